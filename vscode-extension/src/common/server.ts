// Starts, restarts and stops the pitfalls language server, and tells the user clearly when it cannot.
import * as fs from 'fs';
import { commands, Disposable, LogOutputChannel, window, workspace, WorkspaceFolder } from 'vscode';
import {
    CloseAction,
    CloseHandlerResult,
    DidChangeConfigurationNotification,
    ErrorAction,
    ErrorHandlerResult,
    LanguageClient,
    LanguageClientOptions,
    MessageType,
    RevealOutputChannelOn,
    ServerOptions,
    ShowMessageNotification,
    ShowMessageParams,
    State,
} from 'vscode-languageclient/node';
import { BUNDLED_LIBS, CONFIGURATION_SECTION, MINIMUM_PYTHON, SERVER_ID, SERVER_NAME } from './constants';
import { chooseInterpreter, describeSource, formatVersion, InterpreterFacts, isSupportedVersion } from './interpreter';
import { findOnPath, probeInterpreter, pythonExtensionInterpreter } from './python';
import { buildServerCommand, ServerCommand, traceToLogLevel } from './serverCommand';
import { ExtensionSettings, readSettings, shouldNotify, toServerSettings } from './settings';
import { ServerStatus } from './status';

/** A server that dies more often than this within the window is left stopped. */
const MAX_CRASHES = 4;
const CRASH_WINDOW_MS = 3 * 60_000;

export class ServerManager implements Disposable {
    private client: LanguageClient | undefined;
    private settings: ExtensionSettings | undefined;
    private queue: Promise<void> = Promise.resolve();
    private crashes: number[] = [];

    constructor(
        private readonly output: LogOutputChannel,
        private readonly status: ServerStatus,
    ) {}

    get languageClient(): LanguageClient | undefined {
        return this.client;
    }

    /** Stops any running server and starts a new one; calls are queued, never overlapped. */
    restart(reason: string): Promise<void> {
        this.queue = this.queue.then(async () => {
            await this.stopClient();
            await this.startClient(reason);
        });
        return this.queue;
    }

    stop(): Promise<void> {
        this.queue = this.queue.then(() => this.stopClient());
        return this.queue;
    }

    /** Sends the `pitfalls` section to the running server: select, ignore, severity, enable. */
    async sendSettings(): Promise<void> {
        const settings = this.readCurrentSettings();
        this.settings = settings;
        if (this.client?.state !== State.Running) {
            return;
        }
        this.status.set(settings.enable ? 'running' : 'disabled');
        const section = toServerSettings(settings);
        this.output.info(`Settings changed; sending them to the server: ${JSON.stringify(section)}`);
        await this.client.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { [CONFIGURATION_SECTION]: section },
        });
    }

    async dispose(): Promise<void> {
        await this.stop();
    }

    private scope(): WorkspaceFolder | undefined {
        const active = window.activeTextEditor?.document.uri;
        return (active && workspace.getWorkspaceFolder(active)) ?? workspace.workspaceFolders?.[0];
    }

    private readCurrentSettings(): ExtensionSettings {
        const folder = this.scope();
        return readSettings(workspace.getConfiguration(CONFIGURATION_SECTION, folder?.uri), {
            workspaceFolder: folder?.uri.fsPath,
        });
    }

    private async startClient(reason: string): Promise<void> {
        this.status.set('starting');
        const settings = this.readCurrentSettings();
        this.settings = settings;
        this.output.info(`Starting the server (${reason}).`);

        const command = await this.resolveCommand(settings);
        if (!command) {
            this.status.set('failed', 'No usable Python interpreter: see the output.');
            return;
        }
        this.output.info(`${command.description}: ${[command.command, ...command.args].join(' ')}`);

        const folder = this.scope();
        let wasRunning = false;
        let startFailureReported = false;
        // Reported from whichever comes first: start() rejecting, or the connection closing
        // before the server ever ran (the language client does not always reject start()
        // when the process exits during initialization).
        const reportStartFailure = (reason: string): void => {
            if (startFailureReported) {
                return;
            }
            startFailureReported = true;
            this.status.set('failed', 'The server did not start: see the output.');
            this.reportProblem(
                `the server did not start (${reason}). ` +
                    `The output channel has the server's own messages; the command was: ${[command.command, ...command.args].join(' ')}`,
            );
        };
        const serverOptions: ServerOptions = {
            command: command.command,
            args: command.args,
            options: { cwd: folder?.uri.fsPath ?? process.cwd(), env: { ...process.env, ...command.env } },
        };
        const clientOptions: LanguageClientOptions = {
            documentSelector: [
                { scheme: 'file', language: 'python' },
                { scheme: 'untitled', language: 'python' },
            ],
            outputChannel: this.output,
            traceOutputChannel: this.output,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            initializationOptions: { [CONFIGURATION_SECTION]: toServerSettings(settings) },
            errorHandler: {
                error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
                // A server that never got running is reported once, not restarted.
                closed: (): CloseHandlerResult => {
                    if (wasRunning) {
                        return this.onServerClosed();
                    }
                    reportStartFailure('the process ended before it was ready');
                    return { action: CloseAction.DoNotRestart, handled: true };
                },
            },
        };
        const client = new LanguageClient(SERVER_ID, SERVER_NAME, serverOptions, clientOptions);
        // Replaces the client's own window/showMessage handler so pitfalls.showNotifications decides.
        client.onNotification(ShowMessageNotification.type, (params) => this.onServerMessage(params));
        client.onDidChangeState((change) => {
            if (change.newState === State.Running) {
                wasRunning = true;
                this.status.set(this.settings?.enable === false ? 'disabled' : 'running', command.description);
            } else if (change.newState === State.Stopped && this.status.current !== 'failed') {
                this.status.set('stopped');
            }
        });
        this.client = client;
        try {
            await client.start();
        } catch (error) {
            this.client = undefined;
            reportStartFailure(errorMessage(error));
            await client.dispose(2000).catch(() => undefined);
        }
    }

    private async stopClient(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) {
            return;
        }
        try {
            if (client.isRunning()) {
                await client.stop(3000);
            }
            await client.dispose(1000);
        } catch (error) {
            this.output.warn(`Stopping the server: ${errorMessage(error)}`);
        }
        this.status.set('stopped');
    }

    /** The server command, or undefined after telling the user why there is none. */
    private async resolveCommand(settings: ExtensionSettings): Promise<ServerCommand | undefined> {
        const bundledLibs = fs.existsSync(BUNDLED_LIBS) ? BUNDLED_LIBS : undefined;
        const logLevel = traceToLogLevel(workspace.getConfiguration(CONFIGURATION_SECTION).get<string>('trace.server'));
        const inheritedPythonPath = process.env.PYTHONPATH;
        if (settings.path.length > 0) {
            return buildServerCommand({
                executable: settings.path,
                interpreter: [],
                importStrategy: settings.importStrategy,
                bundledLibs,
                logLevel,
                inheritedPythonPath,
            });
        }
        const choice = chooseInterpreter({
            setting: settings.interpreter,
            pythonExtension: await pythonExtensionInterpreter(this.scope()?.uri),
            findOnPath,
        });
        if (!choice) {
            this.reportProblem(
                'no Python interpreter found to run the server. Install Python ' +
                    `${formatVersion(MINIMUM_PYTHON)} or newer, or set "pitfalls.interpreter" to its path.`,
                true,
            );
            return undefined;
        }
        const where = describeSource(choice.source);
        const probe = await probeInterpreter(choice.command);
        if (!probe.ok) {
            this.reportProblem(`the Python interpreter from ${where} cannot be used: ${probe.reason}.`, true);
            return undefined;
        }
        const facts: InterpreterFacts = probe.facts;
        this.output.info(`Python ${formatVersion(facts.version)} at ${facts.executable} (from ${where}).`);
        if (!isSupportedVersion(facts.version)) {
            this.reportProblem(
                `the server needs Python ${formatVersion(MINIMUM_PYTHON)} or newer, but ${facts.executable} ` +
                    `(from ${where}) is Python ${formatVersion(facts.version)}. Select a newer interpreter or set "pitfalls.interpreter".`,
                true,
            );
            return undefined;
        }
        if (settings.importStrategy === 'fromEnvironment' && !facts.hasPitfalls) {
            this.output.warn(`pitfalls is not installed for ${facts.executable}; using the copy bundled with the extension.`);
        }
        if (!bundledLibs && !facts.hasPitfalls) {
            this.reportProblem(
                `this build of the extension has no bundled server and pitfalls is not installed for ${facts.executable}. ` +
                    'Install it there (pip install "pitfalls[server]") or install the extension from its .vsix.',
                true,
            );
            return undefined;
        }
        return buildServerCommand({
            executable: [],
            interpreter: choice.command,
            importStrategy: settings.importStrategy,
            facts,
            bundledLibs,
            logLevel,
            inheritedPythonPath,
        });
    }

    private onServerClosed(): CloseHandlerResult {
        const now = Date.now();
        this.crashes = [...this.crashes.filter((time) => now - time < CRASH_WINDOW_MS), now];
        if (this.crashes.length > MAX_CRASHES) {
            this.status.set('failed', 'The server stopped too often: see the output.');
            this.reportProblem(
                `the server stopped ${this.crashes.length} times in the last 3 minutes and will not be restarted. ` +
                    'Run "Pitfalls: Restart Server" after fixing the cause shown in the output.',
            );
            return { action: CloseAction.DoNotRestart, handled: true };
        }
        this.output.warn('The server stopped unexpectedly; restarting it.');
        return { action: CloseAction.Restart, handled: true };
    }

    private onServerMessage(params: ShowMessageParams): void {
        const level = this.settings?.showNotifications ?? 'onError';
        const text = `Pitfalls: ${params.message.replace(/^pitfalls:\s*/i, '')}`;
        if (params.type === MessageType.Error) {
            this.output.error(params.message);
        } else if (params.type === MessageType.Warning) {
            this.output.warn(params.message);
        } else {
            this.output.info(params.message);
        }
        if (!shouldNotify(level, params.type)) {
            return;
        }
        const show =
            params.type === MessageType.Error
                ? window.showErrorMessage
                : params.type === MessageType.Warning
                  ? window.showWarningMessage
                  : window.showInformationMessage;
        void show(text, 'Show Output').then((choice) => choice && this.output.show(true));
    }

    /** Problems that keep the server from running are always shown, whatever showNotifications says. */
    private reportProblem(message: string, offerSettings = false): void {
        this.output.error(message);
        const actions = offerSettings ? ['Show Output', 'Open Settings'] : ['Show Output'];
        void window.showErrorMessage(`Pitfalls: ${message}`, ...actions).then((choice) => {
            if (choice === 'Show Output') {
                this.output.show(true);
            } else if (choice === 'Open Settings') {
                void commands.executeCommand('workbench.action.openSettings', '@ext:pitfalls.pitfalls');
            }
        });
    }
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}


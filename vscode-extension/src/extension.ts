import { commands, ExtensionContext, LogOutputChannel, window, workspace } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { fixAll, openRuleVideo } from './common/commands';
import { CONFIGURATION_SECTION, SERVER_NAME } from './common/constants';
import { initializePythonExtension, onDidChangePythonInterpreter } from './common/python';
import { ServerManager } from './common/server';
import { needsRestart } from './common/settings';
import { ServerStatus } from './common/status';

/** What `activate` returns: used by the end-to-end and activation tests. */
export interface PitfallsApi {
    readonly output: LogOutputChannel;
    languageClient(): LanguageClient | undefined;
    restart(): Promise<void>;
}

let manager: ServerManager | undefined;

export async function activate(context: ExtensionContext): Promise<PitfallsApi> {
    const output = window.createOutputChannel(SERVER_NAME, { log: true });
    const status = new ServerStatus();
    manager = new ServerManager(output, status);
    const servers = manager;
    context.subscriptions.push(output, status, { dispose: () => void servers.dispose() });

    context.subscriptions.push(
        commands.registerCommand('pitfalls.restart', () => servers.restart('the Restart Server command')),
        commands.registerCommand('pitfalls.showOutput', () => output.show()),
        commands.registerCommand('pitfalls.fixAll', fixAll),
        commands.registerCommand('pitfalls.openRuleVideo', openRuleVideo),
        workspace.onDidChangeConfiguration((event) => {
            if (needsRestart((section) => event.affectsConfiguration(section), CONFIGURATION_SECTION)) {
                void servers.restart('the interpreter or server settings changed');
            } else if (event.affectsConfiguration(CONFIGURATION_SECTION)) {
                void servers.sendSettings();
            }
        }),
        onDidChangePythonInterpreter(() => void servers.restart('the Python extension selected another interpreter')),
    );

    await initializePythonExtension(context.subscriptions);
    await servers.restart('a Python file is open');
    return {
        output,
        languageClient: () => servers.languageClient,
        restart: () => servers.restart('requested through the extension API'),
    };
}

export async function deactivate(): Promise<void> {
    await manager?.stop();
    manager = undefined;
}

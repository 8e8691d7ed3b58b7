// The Python side of the environment: the Python extension's selected interpreter and the probe
// that tells whether an interpreter can run the server.
import { execFile } from 'child_process';
import * as fs from 'fs';
import { Disposable, Event, EventEmitter, extensions, Uri } from 'vscode';
import { PythonExtension } from '@vscode/python-extension';
import { findExecutableOnPath, InterpreterFacts, parseProbeOutput, PROBE_SCRIPT } from './interpreter';

const PYTHON_EXTENSION_ID = 'ms-python.python';
const PROBE_TIMEOUT_MS = 20_000;

let pythonApi: PythonExtension | undefined;
const interpreterChanged = new EventEmitter<void>();
export const onDidChangePythonInterpreter: Event<void> = interpreterChanged.event;

/** Hooks into the Python extension when it is installed; a no-op otherwise (code-server has none). */
export async function initializePythonExtension(disposables: Disposable[]): Promise<void> {
    if (!extensions.getExtension(PYTHON_EXTENSION_ID)) {
        return;
    }
    try {
        pythonApi = await PythonExtension.api();
        disposables.push(pythonApi.environments.onDidChangeActiveEnvironmentPath(() => interpreterChanged.fire()));
    } catch {
        pythonApi = undefined;
    }
}

/** The selected interpreter's executable, or undefined without the Python extension. */
export async function pythonExtensionInterpreter(resource: Uri | undefined): Promise<string[] | undefined> {
    if (!pythonApi) {
        return undefined;
    }
    try {
        const active = pythonApi.environments.getActiveEnvironmentPath(resource);
        const environment = await pythonApi.environments.resolveEnvironment(active);
        const executable = environment?.executable.uri?.fsPath;
        return executable ? [executable] : undefined;
    } catch {
        return undefined;
    }
}

export function findOnPath(name: string): string | undefined {
    return findExecutableOnPath(name, process.env.PATH, (candidate) => {
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return fs.statSync(candidate).isFile();
        } catch {
            return false;
        }
    });
}

export type ProbeResult = { ok: true; facts: InterpreterFacts } | { ok: false; reason: string };

/** Runs the interpreter once to learn its version and whether `pitfalls` is importable from it. */
export function probeInterpreter(command: string[]): Promise<ProbeResult> {
    const [executable, ...args] = command;
    return new Promise((resolve) => {
        execFile(
            executable,
            [...args, '-c', PROBE_SCRIPT],
            { timeout: PROBE_TIMEOUT_MS, windowsHide: true },
            (error, stdout, stderr) => {
                if (error) {
                    const code = (error as NodeJS.ErrnoException).code;
                    const reason =
                        code === 'ENOENT'
                            ? `${executable} does not exist`
                            : code === 'EACCES'
                              ? `${executable} is not executable`
                              : `${executable} failed: ${(stderr || error.message).trim().split('\n').slice(-3).join(' ')}`;
                    resolve({ ok: false, reason });
                    return;
                }
                const facts = parseProbeOutput(stdout);
                resolve(facts ? { ok: true, facts } : { ok: false, reason: `${executable} did not behave like Python` });
            },
        );
    });
}

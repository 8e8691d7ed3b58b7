// The command line and environment of the server process. Free of the `vscode` module.
import * as path from 'path';
import { PYTHON_MODULE } from './constants';
import { InterpreterFacts } from './interpreter';
import { ImportStrategy } from './settings';

export interface ServerCommand {
    command: string;
    args: string[];
    /** Variables added to the extension host's environment. */
    env: Record<string, string>;
    /** One line for the output channel: which copy of the server runs and why. */
    description: string;
}

export interface ServerCommandInputs {
    /** `pitfalls.path`: an executable (and its arguments) to run instead of `python -m pitfalls`. */
    executable: string[];
    /** The chosen interpreter with its arguments; may be empty when `executable` is set. */
    interpreter: string[];
    importStrategy: ImportStrategy;
    /** What the probe found out about the interpreter, when it ran. */
    facts?: InterpreterFacts;
    /** `bundled/libs` of the installed extension, or undefined when it is absent (a source checkout). */
    bundledLibs?: string;
    /** `--log-level` for the server's own log, which goes to stderr and so to the output channel. */
    logLevel: 'debug' | 'info';
    /** The PYTHONPATH of the extension host, kept after the bundled libraries. */
    inheritedPythonPath?: string;
}

export const SERVER_ARGUMENTS = ['server', '--stdio'];

export function buildServerCommand(inputs: ServerCommandInputs): ServerCommand {
    const logArguments = ['--log-level', inputs.logLevel];
    if (inputs.executable.length > 0) {
        const [command, ...rest] = inputs.executable;
        return {
            command,
            args: [...rest, ...SERVER_ARGUMENTS, ...logArguments],
            env: {},
            description: `running ${command} from the pitfalls.path setting`,
        };
    }
    if (inputs.interpreter.length === 0) {
        throw new Error('no Python interpreter to run the pitfalls server');
    }
    const [python, ...interpreterArgs] = inputs.interpreter;
    const args = [...interpreterArgs, '-m', PYTHON_MODULE, ...SERVER_ARGUMENTS, ...logArguments];
    // PYTHONSAFEPATH (Python 3.11+): `python -m` must not put the workspace first on sys.path,
    // or CPython's start-up would import a project's own `warnings.py` before pitfalls runs.
    const env: Record<string, string> = { PYTHONUTF8: '1', PYTHONSAFEPATH: '1' };

    const environmentHasPitfalls = inputs.facts?.hasPitfalls ?? false;
    const useEnvironment = inputs.importStrategy === 'fromEnvironment' && environmentHasPitfalls;
    if (useEnvironment || !inputs.bundledLibs) {
        const reason = useEnvironment
            ? 'importStrategy is fromEnvironment'
            : 'this extension has no bundled/libs (a development build)';
        const version = inputs.facts?.pitfallsVersion ? ` ${inputs.facts.pitfallsVersion}` : '';
        return { command: python, args, env, description: `running pitfalls${version} installed in ${python}: ${reason}` };
    }

    env.PYTHONPATH = [inputs.bundledLibs, inputs.inheritedPythonPath]
        .filter((part): part is string => Boolean(part))
        .join(path.delimiter);
    const reason =
        inputs.importStrategy === 'fromEnvironment'
            ? 'importStrategy is fromEnvironment but pitfalls is not installed there, so the bundled copy runs'
            : 'importStrategy is useBundled';
    return { command: python, args, env, description: `running the bundled pitfalls with ${python}: ${reason}` };
}

/** `pitfalls.trace.server: verbose` also turns on the server's debug log. */
export function traceToLogLevel(trace: string | undefined): 'debug' | 'info' {
    return trace === 'verbose' ? 'debug' : 'info';
}

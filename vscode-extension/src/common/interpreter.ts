// Which Python runs the server, and whether it is good enough. Free of the `vscode` module.
import { MINIMUM_PYTHON } from './constants';

export type InterpreterSource = 'setting' | 'pythonExtension' | 'path';

export interface InterpreterChoice {
    /** The executable followed by any arguments the user gave. */
    command: string[];
    source: InterpreterSource;
}

export interface InterpreterCandidates {
    /** `pitfalls.interpreter`, already expanded. */
    setting: string[];
    /** The environment selected in the Python extension, when that extension is installed. */
    pythonExtension?: string[];
    /** Finds an executable on PATH; returns its absolute path or undefined. */
    findOnPath: (name: string) => string | undefined;
}

/**
 * An explicit `pitfalls.interpreter` wins, as `pylint.interpreter` and `ruff.interpreter` do;
 * then the Python extension's selection; then `python3` (or `python`) on PATH.
 */
export function chooseInterpreter(candidates: InterpreterCandidates): InterpreterChoice | undefined {
    if (candidates.setting.length > 0) {
        return { command: candidates.setting, source: 'setting' };
    }
    if (candidates.pythonExtension && candidates.pythonExtension.length > 0) {
        return { command: candidates.pythonExtension, source: 'pythonExtension' };
    }
    for (const name of ['python3', 'python']) {
        const found = candidates.findOnPath(name);
        if (found) {
            return { command: [found], source: 'path' };
        }
    }
    return undefined;
}

export function describeSource(source: InterpreterSource): string {
    switch (source) {
        case 'setting':
            return 'the pitfalls.interpreter setting';
        case 'pythonExtension':
            return 'the Python extension';
        case 'path':
            return 'PATH';
    }
}

/** What the probe script prints: see `PROBE_SCRIPT`. */
export interface InterpreterFacts {
    version: [number, number, number];
    executable: string;
    /** Whether `import pitfalls` would find the package in this interpreter's own environment. */
    hasPitfalls: boolean;
    /** The version of that package, when it has one. */
    pitfallsVersion?: string;
}

/** Run with `python -c`; prints one JSON line. Must run on old Pythons too, to say they are too old. */
export const PROBE_SCRIPT = [
    'import json, sys',
    'try:',
    '    import importlib.util as u',
    '    spec = u.find_spec("pitfalls")',
    'except Exception:',
    '    spec = None',
    'version = None',
    'if spec is not None:',
    '    try:',
    '        from importlib.metadata import version as v',
    '        version = v("pitfalls")',
    '    except Exception:',
    '        pass',
    'print(json.dumps({"version": list(sys.version_info[:3]), "executable": sys.executable,',
    '                  "hasPitfalls": spec is not None, "pitfallsVersion": version}))',
].join('\n');

export function parseProbeOutput(stdout: string): InterpreterFacts | undefined {
    const line = stdout
        .split(/\r?\n/)
        .map((text) => text.trim())
        .reverse()
        .find((text) => text.startsWith('{'));
    if (!line) {
        return undefined;
    }
    try {
        const data = JSON.parse(line) as Record<string, unknown>;
        const version = data.version;
        if (!Array.isArray(version) || version.length < 2 || !version.every((part) => typeof part === 'number')) {
            return undefined;
        }
        return {
            version: [version[0], version[1], version[2] ?? 0] as [number, number, number],
            executable: typeof data.executable === 'string' ? data.executable : '',
            hasPitfalls: data.hasPitfalls === true,
            pitfallsVersion: typeof data.pitfallsVersion === 'string' ? data.pitfallsVersion : undefined,
        };
    } catch {
        return undefined;
    }
}

export function isSupportedVersion(version: readonly number[], minimum: readonly [number, number] = MINIMUM_PYTHON): boolean {
    const [major, minor] = version;
    return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

export function formatVersion(version: readonly number[]): string {
    return version.join('.');
}

/** Looks `name` up in a PATH-like variable, the way a shell would. */
export function findExecutableOnPath(
    name: string,
    pathVariable: string | undefined,
    isExecutable: (candidate: string) => boolean,
    delimiter: string = process.platform === 'win32' ? ';' : ':',
    extensions: readonly string[] = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''],
): string | undefined {
    for (const directory of (pathVariable ?? '').split(delimiter)) {
        if (!directory) {
            continue;
        }
        for (const extension of extensions) {
            const candidate = `${directory.replace(/[\\/]+$/, '')}/${name}${extension}`;
            if (isExecutable(candidate)) {
                return candidate;
            }
        }
    }
    return undefined;
}

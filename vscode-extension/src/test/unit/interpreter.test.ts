import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    chooseInterpreter,
    findExecutableOnPath,
    isSupportedVersion,
    parseProbeOutput,
    PROBE_SCRIPT,
} from '../../common/interpreter';
import { execFileSync } from 'node:child_process';

const nothingOnPath = () => undefined;

describe('chooseInterpreter', () => {
    it('prefers the pitfalls.interpreter setting over the Python extension', () => {
        const choice = chooseInterpreter({
            setting: ['/opt/py/bin/python', '-I'],
            pythonExtension: ['/venv/bin/python'],
            findOnPath: () => '/usr/bin/python3',
        });
        assert.deepEqual(choice, { command: ['/opt/py/bin/python', '-I'], source: 'setting' });
    });

    it('uses the Python extension selection when the setting is empty', () => {
        const choice = chooseInterpreter({ setting: [], pythonExtension: ['/venv/bin/python'], findOnPath: nothingOnPath });
        assert.deepEqual(choice, { command: ['/venv/bin/python'], source: 'pythonExtension' });
    });

    it('falls back to python3, then python, on PATH', () => {
        const onlyPython = (name: string) => (name === 'python' ? '/usr/local/bin/python' : undefined);
        assert.deepEqual(chooseInterpreter({ setting: [], findOnPath: onlyPython }), {
            command: ['/usr/local/bin/python'],
            source: 'path',
        });
        const both = (name: string) => `/usr/bin/${name}`;
        assert.deepEqual(chooseInterpreter({ setting: [], pythonExtension: [], findOnPath: both })?.command, ['/usr/bin/python3']);
    });

    it('returns nothing when no interpreter can be found', () => {
        assert.equal(chooseInterpreter({ setting: [], findOnPath: nothingOnPath }), undefined);
    });
});

describe('findExecutableOnPath', () => {
    it('returns the first directory holding an executable of that name', () => {
        const executables = new Set(['/b/python3', '/c/python3']);
        const found = findExecutableOnPath('python3', '/a::/b/:/c', (candidate) => executables.has(candidate), ':', ['']);
        assert.equal(found, '/b/python3');
    });

    it('tries Windows extensions in order', () => {
        const found = findExecutableOnPath('python', 'C:\\Python', (candidate) => candidate === 'C:\\Python/python.exe', ';', [
            '.exe',
            '',
        ]);
        assert.equal(found, 'C:\\Python/python.exe');
    });

    it('returns nothing for an empty PATH', () => {
        assert.equal(findExecutableOnPath('python3', undefined, () => true), undefined);
    });
});

describe('parseProbeOutput', () => {
    it('reads the last JSON line, ignoring noise printed by site-customisation', () => {
        const facts = parseProbeOutput(
            'hello from sitecustomize\n{"version": [3, 12, 1], "executable": "/usr/bin/python3", "hasPitfalls": true, "pitfallsVersion": "0.1.0"}\n',
        );
        assert.deepEqual(facts, { version: [3, 12, 1], executable: '/usr/bin/python3', hasPitfalls: true, pitfallsVersion: '0.1.0' });
    });

    it('rejects output that is not the probe answer', () => {
        assert.equal(parseProbeOutput('Python 2.7.18'), undefined);
        assert.equal(parseProbeOutput('{"version": "3.12"}'), undefined);
        assert.equal(parseProbeOutput('{broken'), undefined);
    });

    it('understands what the probe script prints in a real interpreter', () => {
        const stdout = execFileSync('python3', ['-c', PROBE_SCRIPT], { encoding: 'utf8' });
        const facts = parseProbeOutput(stdout);
        assert.ok(facts, stdout);
        assert.equal(facts.version[0], 3);
        assert.ok(facts.executable.length > 0);
    });
});

describe('isSupportedVersion', () => {
    it('accepts 3.10 and newer only', () => {
        assert.equal(isSupportedVersion([3, 10, 0]), true);
        assert.equal(isSupportedVersion([3, 13, 2]), true);
        assert.equal(isSupportedVersion([4, 0, 0]), true);
        assert.equal(isSupportedVersion([3, 9, 18]), false);
        assert.equal(isSupportedVersion([2, 7, 18]), false);
    });
});

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InterpreterFacts } from '../../common/interpreter';
import { buildServerCommand, traceToLogLevel } from '../../common/serverCommand';

const withPitfalls: InterpreterFacts = { version: [3, 12, 0], executable: '/venv/bin/python', hasPitfalls: true, pitfallsVersion: '0.1.0' };
const withoutPitfalls: InterpreterFacts = { ...withPitfalls, hasPitfalls: false, pitfallsVersion: undefined };

describe('buildServerCommand', () => {
    it('runs the bundled server with bundled/libs first on PYTHONPATH by default', () => {
        const command = buildServerCommand({
            executable: [],
            interpreter: ['/venv/bin/python', '-X', 'dev'],
            importStrategy: 'useBundled',
            facts: withPitfalls,
            bundledLibs: '/ext/bundled/libs',
            logLevel: 'info',
            inheritedPythonPath: '/project/src',
        });
        assert.equal(command.command, '/venv/bin/python');
        assert.deepEqual(command.args, ['-X', 'dev', '-m', 'pitfalls', 'server', '--stdio', '--log-level', 'info']);
        assert.equal(command.env.PYTHONPATH, '/ext/bundled/libs:/project/src');
        assert.equal(command.env.PYTHONSAFEPATH, '1');
        assert.match(command.description, /bundled/);
    });

    it('runs the environment copy with fromEnvironment, without touching PYTHONPATH', () => {
        const command = buildServerCommand({
            executable: [],
            interpreter: ['/venv/bin/python'],
            importStrategy: 'fromEnvironment',
            facts: withPitfalls,
            bundledLibs: '/ext/bundled/libs',
            logLevel: 'debug',
        });
        assert.deepEqual(command.args, ['-m', 'pitfalls', 'server', '--stdio', '--log-level', 'debug']);
        assert.equal(command.env.PYTHONPATH, undefined);
        assert.match(command.description, /pitfalls 0\.1\.0 installed in \/venv\/bin\/python/);
    });

    it('falls back to the bundled copy when fromEnvironment finds no pitfalls there', () => {
        const command = buildServerCommand({
            executable: [],
            interpreter: ['/venv/bin/python'],
            importStrategy: 'fromEnvironment',
            facts: withoutPitfalls,
            bundledLibs: '/ext/bundled/libs',
            logLevel: 'info',
        });
        assert.equal(command.env.PYTHONPATH, '/ext/bundled/libs');
        assert.match(command.description, /not installed there/);
    });

    it('uses the environment when the extension has no bundled libraries', () => {
        const command = buildServerCommand({
            executable: [],
            interpreter: ['/usr/bin/python3'],
            importStrategy: 'useBundled',
            facts: withPitfalls,
            logLevel: 'info',
        });
        assert.equal(command.env.PYTHONPATH, undefined);
        assert.match(command.description, /no bundled\/libs/);
    });

    it('runs pitfalls.path as an executable with the server subcommand', () => {
        const command = buildServerCommand({
            executable: ['/home/ada/.local/bin/pitfalls', '--no-cache'],
            interpreter: [],
            importStrategy: 'useBundled',
            bundledLibs: '/ext/bundled/libs',
            logLevel: 'info',
        });
        assert.equal(command.command, '/home/ada/.local/bin/pitfalls');
        assert.deepEqual(command.args, ['--no-cache', 'server', '--stdio', '--log-level', 'info']);
        assert.deepEqual(command.env, {});
    });

    it('refuses to build a command without an interpreter or executable', () => {
        assert.throws(
            () => buildServerCommand({ executable: [], interpreter: [], importStrategy: 'useBundled', logLevel: 'info' }),
            /no Python interpreter/,
        );
    });
});

describe('traceToLogLevel', () => {
    it('turns on the server debug log only for verbose tracing', () => {
        assert.equal(traceToLogLevel('verbose'), 'debug');
        assert.equal(traceToLogLevel('messages'), 'info');
        assert.equal(traceToLogLevel(undefined), 'info');
    });
});

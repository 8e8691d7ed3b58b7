import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandVariables, needsRestart, readSettings, shouldNotify, toServerSettings } from '../../common/settings';

function reader(values: Record<string, unknown>) {
    return { get: <T>(key: string): T | undefined => values[key] as T | undefined };
}

describe('readSettings', () => {
    it('gives the documented defaults when nothing is set', () => {
        assert.deepEqual(readSettings(reader({})), {
            enable: true,
            select: [],
            ignore: [],
            severity: {},
            showNotifications: 'onError',
            interpreter: [],
            importStrategy: 'useBundled',
            path: [],
        });
    });

    it('keeps selectors as written, trimmed and without duplicates', () => {
        const settings = readSettings(reader({ select: [' PF001', 'bare-except', 'PF001', '', 7], ignore: 'PF012' }));
        assert.deepEqual(settings.select, ['PF001', 'bare-except']);
        assert.deepEqual(settings.ignore, ['PF012']);
    });

    it('normalises severity levels and drops ones the server would reject', () => {
        const settings = readSettings(
            reader({ severity: { PF001: 'Error', PF002: 'information', PF003: 'loud', PF004: 3, ' ': 'hint' } }),
        );
        assert.deepEqual(settings.severity, { PF001: 'error', PF002: 'info' });
    });

    it('falls back to defaults for values outside the enums', () => {
        const settings = readSettings(reader({ importStrategy: 'fromPath', showNotifications: 'sometimes' }));
        assert.equal(settings.importStrategy, 'useBundled');
        assert.equal(settings.showNotifications, 'onError');
    });

    it('expands variables in the interpreter and path settings', () => {
        const settings = readSettings(
            reader({ interpreter: ['${workspaceFolder}/.venv/bin/python', '-X', 'utf8'], path: ['~/bin/pitfalls'] }),
            { workspaceFolder: '/work/project', userHome: '/home/ada' },
        );
        assert.deepEqual(settings.interpreter, ['/work/project/.venv/bin/python', '-X', 'utf8']);
        assert.deepEqual(settings.path, ['/home/ada/bin/pitfalls']);
    });
});

describe('toServerSettings', () => {
    it('sends empty lists as null so the project configuration stays in force', () => {
        const server = toServerSettings(readSettings(reader({ enable: false, ignore: ['PF005'] })));
        assert.deepEqual(server, { enable: false, select: null, ignore: ['PF005'], severity: {} });
    });

    it('carries only what the server reads', () => {
        const server = toServerSettings(readSettings(reader({ select: ['PF0'], interpreter: ['/usr/bin/python3'] })));
        assert.deepEqual(Object.keys(server).sort(), ['enable', 'ignore', 'select', 'severity']);
        assert.deepEqual(server.select, ['PF0']);
    });
});

describe('expandVariables', () => {
    it('expands env variables and leaves an unknown workspace folder visible', () => {
        assert.equal(expandVariables('${env:VENV}/bin/python', { env: { VENV: '/opt/venv' } }), '/opt/venv/bin/python');
        assert.equal(expandVariables('${workspaceFolder}/python', {}), '${workspaceFolder}/python');
        assert.equal(expandVariables('~', { userHome: '/home/ada' }), '/home/ada');
        assert.equal(expandVariables('a~b', { userHome: '/home/ada' }), 'a~b');
    });
});

describe('needsRestart', () => {
    it('restarts for interpreter, importStrategy and path but not for rule settings', () => {
        const changed = (names: string[]) => (section: string) => names.includes(section);
        assert.equal(needsRestart(changed(['pitfalls.interpreter']), 'pitfalls'), true);
        assert.equal(needsRestart(changed(['pitfalls.path']), 'pitfalls'), true);
        assert.equal(needsRestart(changed(['pitfalls.importStrategy']), 'pitfalls'), true);
        assert.equal(needsRestart(changed(['pitfalls.select', 'pitfalls.severity']), 'pitfalls'), false);
    });
});

describe('shouldNotify', () => {
    it('follows the levels of pitfalls.showNotifications', () => {
        const error = 1;
        const warning = 2;
        const info = 3;
        const log = 4;
        assert.deepEqual([error, warning, info, log].map((type) => shouldNotify('off', type)), [false, false, false, false]);
        assert.deepEqual([error, warning, info, log].map((type) => shouldNotify('onError', type)), [true, false, false, false]);
        assert.deepEqual([error, warning, info, log].map((type) => shouldNotify('onWarning', type)), [true, true, false, false]);
        assert.deepEqual([error, warning, info, log].map((type) => shouldNotify('always', type)), [true, true, true, false]);
    });
});

// Reading the `pitfalls.*` settings and turning them into what the server receives.
// Kept free of the `vscode` module so the mapping can be unit tested.
import * as os from 'os';
import * as path from 'path';

export type ImportStrategy = 'useBundled' | 'fromEnvironment';
export type NotificationLevel = 'off' | 'onError' | 'onWarning' | 'always';
export type SeverityName = 'error' | 'warning' | 'info' | 'hint';

export interface ExtensionSettings {
    enable: boolean;
    select: string[];
    ignore: string[];
    severity: Record<string, SeverityName>;
    showNotifications: NotificationLevel;
    interpreter: string[];
    importStrategy: ImportStrategy;
    path: string[];
}

/** The `pitfalls` section the server reads from initializationOptions and didChangeConfiguration. */
export interface ServerSettings {
    enable: boolean;
    select: string[] | null;
    ignore: string[] | null;
    severity: Record<string, SeverityName>;
}

/** The part of `vscode.WorkspaceConfiguration` this module needs. */
export interface ConfigurationReader {
    get<T>(key: string): T | undefined;
}

export interface ExpansionContext {
    workspaceFolder?: string;
    userHome?: string;
    env?: NodeJS.ProcessEnv;
}

const SEVERITY_NAMES: ReadonlySet<string> = new Set(['error', 'warning', 'info', 'hint']);
const SEVERITY_ALIASES: Readonly<Record<string, SeverityName>> = {
    information: 'info',
    warn: 'warning',
};

export function readSettings(config: ConfigurationReader, context: ExpansionContext = {}): ExtensionSettings {
    return {
        enable: config.get<boolean>('enable') ?? true,
        select: ruleSelectors(config.get<unknown>('select')),
        ignore: ruleSelectors(config.get<unknown>('ignore')),
        severity: severityTable(config.get<unknown>('severity')),
        showNotifications: oneOf(
            config.get<unknown>('showNotifications'),
            ['off', 'onError', 'onWarning', 'always'] as const,
            'onError',
        ),
        interpreter: stringList(config.get<unknown>('interpreter')).map((part) => expandVariables(part, context)),
        importStrategy: oneOf(config.get<unknown>('importStrategy'), ['useBundled', 'fromEnvironment'] as const, 'useBundled'),
        path: stringList(config.get<unknown>('path')).map((part) => expandVariables(part, context)),
    };
}

/**
 * What the server is told. An empty `select`/`ignore` is sent as null, meaning "keep the project's
 * own configuration", so that an untouched setting never overrides `[tool.pitfalls]`.
 */
export function toServerSettings(settings: ExtensionSettings): ServerSettings {
    return {
        enable: settings.enable,
        select: settings.select.length > 0 ? settings.select : null,
        ignore: settings.ignore.length > 0 ? settings.ignore : null,
        severity: settings.severity,
    };
}

/** Settings whose change needs a new server process rather than a notification. */
export const RESTART_SETTINGS: readonly string[] = ['interpreter', 'importStrategy', 'path'];

export function needsRestart(affects: (section: string) => boolean, prefix: string): boolean {
    return RESTART_SETTINGS.some((key) => affects(`${prefix}.${key}`));
}

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`, as VS Code settings do. */
export function expandVariables(value: string, context: ExpansionContext): string {
    const home = context.userHome ?? os.homedir();
    const env = context.env ?? process.env;
    let expanded = value.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (whole, name: string, envName?: string) => {
        if (envName !== undefined) {
            return env[envName] ?? '';
        }
        if (name === 'userHome') {
            return home;
        }
        return context.workspaceFolder ?? whole;
    });
    if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith(`~${path.sep}`)) {
        expanded = path.join(home, expanded.slice(1));
    }
    return expanded;
}

function stringList(value: unknown): string[] {
    if (typeof value === 'string') {
        return value.trim() ? [value.trim()] : [];
    }
    if (!Array.isArray(value)) {
        return [];
    }
    return value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
}

/** Codes, code prefixes, slugs or `ALL`: the server resolves and validates them. */
function ruleSelectors(value: unknown): string[] {
    return [...new Set(stringList(value))];
}

function severityTable(value: unknown): Record<string, SeverityName> {
    const table: Record<string, SeverityName> = {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return table;
    }
    for (const [code, level] of Object.entries(value as Record<string, unknown>)) {
        if (typeof level !== 'string' || code.trim() === '') {
            continue;
        }
        const name = SEVERITY_ALIASES[level.toLowerCase()] ?? level.toLowerCase();
        if (SEVERITY_NAMES.has(name)) {
            table[code.trim()] = name as SeverityName;
        }
    }
    return table;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
    return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Whether a server message of this LSP MessageType (1 error, 2 warning, 3 info, 4 log) becomes a notification. */
export function shouldNotify(level: NotificationLevel, messageType: number): boolean {
    switch (level) {
        case 'off':
            return false;
        case 'onError':
            return messageType === 1;
        case 'onWarning':
            return messageType <= 2;
        case 'always':
            return messageType <= 3;
    }
}

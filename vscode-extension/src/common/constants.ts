import * as path from 'path';

export const EXTENSION_ID = 'pitfalls.pitfalls';
/** The language client's id: VS Code reads `pitfalls.trace.server` because of it. */
export const SERVER_ID = 'pitfalls';
export const SERVER_NAME = 'Pitfalls';
export const CONFIGURATION_SECTION = 'pitfalls';
export const PYTHON_MODULE = 'pitfalls';
export const FIX_ALL_KIND = 'source.fixAll.pitfalls';
export const DIAGNOSTIC_SOURCE = 'pitfalls';

/** pyproject.toml of the server says `requires-python = ">=3.10"`. */
export const MINIMUM_PYTHON: readonly [number, number] = [3, 10];

/** Root of the installed extension: the bundle lives in `<root>/dist/extension.js`. */
export const EXTENSION_ROOT = path.dirname(__dirname);
export const BUNDLED_LIBS = path.join(EXTENSION_ROOT, 'bundled', 'libs');

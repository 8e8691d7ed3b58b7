// Fills bundled/libs with the repository's own pitfalls package and the Python libraries its
// language server needs, so the .vsix runs the server without anything installed in the user's
// environment (importStrategy "useBundled"). Markers are evaluated for the oldest supported
// Python (3.10), so back-ports such as tomli are included and work on every newer version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const extensionDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repositoryRoot = resolve(extensionDir, '..');
const target = join(extensionDir, 'bundled', 'libs');
const python = process.env.PITFALLS_BUNDLE_PYTHON ?? 'python3';
const oldestPython = '3.10';

/** `Requires-Dist` entries guarded by a python_version marker (and no extra), markers stripped. */
function versionConditionalRequirements(directory) {
    const requirements = new Set();
    for (const entry of readdirSync(directory)) {
        if (!entry.endsWith('.dist-info')) {
            continue;
        }
        const metadata = readFileSync(join(directory, entry, 'METADATA'), 'utf8');
        for (const match of metadata.matchAll(/^Requires-Dist:\s*([^;\n]+);([^\n]*)$/gm)) {
            const [, requirement, marker] = match;
            if (/python_version\s*<|python_full_version\s*</.test(marker) && !/extra\s*==/.test(marker)) {
                requirements.add(requirement.trim().replace(/\s+/g, ''));
            }
        }
    }
    return [...requirements].sort();
}

function normalizedName(requirement) {
    return requirement.match(/^[A-Za-z0-9._-]+/)[0].toLowerCase().replace(/[-_.]+/g, '-');
}

function distributionNames(directory) {
    return readdirSync(directory)
        .filter((entry) => entry.endsWith('.dist-info'))
        .map((entry) => normalizedName(entry.replace(/-[^-]+\.dist-info$/, '')));
}

function run(args) {
    execFileSync(python, ['-m', 'pip', '--disable-pip-version-check', '--no-input', '--quiet', ...args], {
        stdio: ['ignore', 'inherit', 'pipe'],
    });
}

const wheelDir = mkdtempSync(join(tmpdir(), 'pitfalls-wheel-'));
try {
    // Without build isolation when setuptools is at hand: saves fetching it for every build.
    const hasSetuptools = (() => {
        try {
            execFileSync(python, ['-c', 'import setuptools, wheel'], { stdio: 'ignore' });
            return true;
        } catch {
            return false;
        }
    })();
    run(['wheel', '--no-deps', ...(hasSetuptools ? ['--no-build-isolation'] : []), '--wheel-dir', wheelDir, repositoryRoot]);
    const wheel = readdirSync(wheelDir).find((name) => name.startsWith('pitfalls-') && name.endsWith('.whl'));
    if (!wheel) {
        throw new Error(`pip wheel produced no pitfalls wheel in ${wheelDir}`);
    }
    rmSync(target, { recursive: true, force: true });
    run([
        'install',
        '--target', target,
        '--no-compile',
        '--python-version', oldestPython,
        '--implementation', 'py',
        '--only-binary=:all:',
        `${join(wheelDir, wheel)}[server]`,
    ]);
    // pip evaluates `python_version` markers for the interpreter running it, not for --python-version:
    // add the back-ports that the packages ask for on older Pythons (tomli, exceptiongroup, ...).
    const installed = new Set(distributionNames(target));
    const backports = versionConditionalRequirements(target).filter((requirement) => !installed.has(normalizedName(requirement)));
    if (backports.length > 0) {
        run([
            'install',
            '--target', target,
            '--no-compile',
            '--no-deps',
            '--python-version', oldestPython,
            '--implementation', 'py',
            '--only-binary=:all:',
            ...backports,
        ]);
    }
} finally {
    rmSync(wheelDir, { recursive: true, force: true });
}
// Console scripts would point at the build machine's interpreter; the extension runs `-m pitfalls`.
rmSync(join(target, 'bin'), { recursive: true, force: true });
for (const required of ['pitfalls', 'pygls', 'lsprotocol']) {
    if (!existsSync(join(target, required))) {
        throw new Error(`bundled/libs lacks ${required}`);
    }
}
console.log(`bundled/libs: ${readdirSync(target).filter((name) => !name.endsWith('.dist-info')).sort().join(', ')}`);

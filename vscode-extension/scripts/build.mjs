// Bundles the extension into dist/extension.js; `vscode` stays external (the host provides it).
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = !watch;
const options = {
    entryPoints: ['src/extension.ts'],
    bundle: true,
    outfile: 'dist/extension.js',
    external: ['vscode'],
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
};

if (watch) {
    const context = await esbuild.context(options);
    await context.watch();
    console.log('esbuild: watching src/ for changes');
} else {
    await esbuild.build(options);
}

// Builds the three bundles. Why Vite + esbuild rather than electron-vite: the renderer is also served
// by the browser host, so it must be a plain static Vite build; the main process and the preload are
// one esbuild call each (ESM main so ESM-only electron-store bundles in; a single CommonJS preload,
// which is what a sandboxed preload must be). Two small, well-known tools, no framework in between.
import { build as esbuild } from 'esbuild';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { build as vite } from 'vite';

const rendererOnly = process.argv.includes('--renderer-only');
const quiet = { logLevel: 'warning' };

await vite({ configFile: 'vite.config.ts', logLevel: 'warn' });

if (!rendererOnly) {
  await rm('out/main', { recursive: true, force: true });
  await rm('out/preload', { recursive: true, force: true });
  const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, external: ['electron'], ...quiet };
  await esbuild({
    ...common,
    entryPoints: ['electron/main.ts'],
    outfile: 'out/main/main.js',
    format: 'esm',
    // Bundled CommonJS dependencies still call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    external: ['electron', '../emulator/index.js'],
  });
  await esbuild({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'out/preload/preload.cjs', format: 'cjs' });
  if (existsSync('scripts/build-emulator.mjs')) await import('./build-emulator.mjs');
}
console.log(rendererOnly ? 'built renderer' : 'built renderer, main, preload');

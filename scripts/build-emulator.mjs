// The embedded emulator as one ESM bundle beside the main process (out/emulator/index.js), which
// electron/main.ts imports at run time; its sandbox worker is copied next to it, where the pool's
// `new URL('./sandbox-worker.cjs', import.meta.url)` looks for it.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

await rm('out/emulator', { recursive: true, force: true });
await mkdir('out/emulator', { recursive: true });
await build({
  entryPoints: ['emulator/index.ts'],
  outfile: 'out/emulator/index.js',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
await copyFile('emulator/runtime/sandbox-worker.cjs', 'out/emulator/sandbox-worker.cjs');

// `npm start`: launch Electron on the built bundles. Electron downloads its binary on first launch;
// where that cannot happen (no internet), say so plainly and point at the browser variant.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));

function binaryPath() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

let bin = binaryPath();
if (!bin) {
  console.log('Electron is not downloaded yet; fetching it once (needs internet)...');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  bin = r.status === 0 ? binaryPath() : null;
  if (!bin) {
    const why = (r.stderr?.toString() ?? '').split('\n').find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONN|timed out/i.test(l));
    console.error(
      [
        '',
        'Cannot start the desktop app: the Electron binary could not be downloaded' + (why ? ` (${why.trim().slice(0, 160)})` : '') + '.',
        'On a machine with internet access, run `npx install-electron` once, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron.',
        'Without a display or without Electron, use the browser variant:  npm run start:web',
        '',
      ].join('\n'),
    );
    process.exit(1);
  }
}
const child = spawn(bin, ['.'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));

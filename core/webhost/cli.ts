/**
 * `npm run start:web -- [--port N] [--no-open] [--data-dir DIR] [--no-emulator] [--session-only]`
 * Starts the embedded emulator (unless told not to), the handler table and the browser host,
 * then prints the one URL to open.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHost } from '../host';
import { SecretToolVault, scopeOf } from '../host/keyring-vault';
import { createNodeDeps, defaultDataDir, registerEmbeddedCluster } from '../host/node-deps';
import { openConsoleInBrowser } from './open';
import { startWebHost } from './server';

const here = dirname(fileURLToPath(import.meta.url));

function usage(message?: string): never {
  if (message) console.error(`start:web: ${message}`);
  console.error('usage: npm run start:web -- [--port N] [--no-open] [--data-dir DIR] [--no-emulator] [--session-only]');
  process.exit(2);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        'no-open': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        'no-emulator': { type: 'boolean', default: false },
        'session-only': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be a port number, not ${values.port}`);

  const staticDir = join(here, '..', '..', 'out', 'renderer');
  if (!existsSync(join(staticDir, 'index.html'))) {
    console.error('start:web: the renderer is not built; run `npm run build` first.');
    process.exit(1);
  }

  const dataDir = values['data-dir'] ?? defaultDataDir();
  // Tokens persist only where an OS keyring is reachable; otherwise they live for this session.
  const keyring = !values['session-only'] && (await SecretToolVault.probe());
  const vault = keyring ? new SecretToolVault({ scope: scopeOf(dataDir) }) : undefined;
  const deps = createNodeDeps({ dataDir, host: 'browser', vault });
  // The last net, not the defence: the frame and handler paths answer every input themselves
  // (test/integration/webhost-attacks.test.ts runs without this net). Logged redacted; the host goes on.
  const lastNet = (what: string) => (e: unknown) =>
    console.error(
      `start:web: ${what} (the host goes on): ${deps.redactor.strict(e instanceof Error ? (e.stack ?? e.message) : String(e))}`,
    );
  process.on('uncaughtException', lastNet('uncaught exception'));
  process.on('unhandledRejection', lastNet('unhandled rejection'));
  console.log(
    keyring ? 'tokens: kept in the system keyring (Secret Service)' : 'tokens: kept for this session only (no system keyring reachable)',
  );
  let emulator: { close(): Promise<void> } | undefined;
  if (!values['no-emulator']) {
    const { startEmulator } = await import('../../emulator/index');
    const emu = await startEmulator({ port: 0, seed: 'demo', quiet: true });
    emulator = emu;
    await registerEmbeddedCluster(deps, { url: emu.url, masterToken: emu.masterToken, container: emu.tenants()[0] ?? 'master' });
    console.log(`embedded emulator at ${emu.url}`);
  }
  const host = createHost(deps);
  const web = await startWebHost({ host, staticDir, port });
  // The URL with its secret goes only to our own terminal; the browser gets a 0600 file's path instead.
  console.log(`console at ${web.launchUrl}`);
  const openFile = values['no-open'] ? undefined : openConsoleInBrowser(web.launchUrl, (m) => console.error(m));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    openFile?.remove();
    await web.close();
    await emulator?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  console.error(`start:web: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost, createSession, type Host } from '../../core/host';
import { createNodeDeps } from '../../core/host/node-deps';
import { startWebHost, type WebHost } from '../../core/webhost/server';

export const tempDir = (prefix = 'esc-test-') => mkdtempSync(join(tmpdir(), prefix));

/** A host on a fresh data dir, as the browser host builds it. */
export function makeHost(opts: { requestTimeoutMs?: number } = {}): { host: Host; dataDir: string; cleanup(): void } {
  const dataDir = tempDir();
  const host = createHost(createNodeDeps({ dataDir, host: 'test', requestTimeoutMs: opts.requestTimeoutMs }));
  return { host, dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** A session that records the events it was sent. */
export function recordingSession(host: Host) {
  const events: Array<{ topic: string; payload: unknown }> = [];
  const session = createSession(host.deps, 'test-session', (topic, payload) => events.push({ topic, payload }));
  return { session, events };
}

/** The browser host over a fresh data dir, serving the built renderer. */
export async function startTestWebHost(
  opts: { requestTimeoutMs?: number } = {},
): Promise<{ web: WebHost; host: Host; close(): Promise<void> }> {
  const { host, cleanup } = makeHost(opts);
  const web = await startWebHost({ host, staticDir: join(process.cwd(), 'out', 'renderer'), port: 0 });
  return {
    web,
    host,
    async close() {
      await web.close();
      cleanup();
    },
  };
}

/** A tiny HTTP server that answers every request with the given status and JSON body. */
export async function fixedServer(
  status: number,
  body: unknown,
): Promise<{ url: string; requests: Array<{ url: string; auth?: string }>; close(): Promise<void> }> {
  const requests: Array<{ url: string; auth?: string }> = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A host whose embedded profile points at a running emulator (as `npm run start:web` builds it),
 * optionally served by the browser host with the built renderer.
 */
export async function hostOnEmulator(
  emu: { url: string; masterToken: string },
  opts: { requestTimeoutMs?: number; container?: string; web?: boolean } = {},
): Promise<{ host: Host; dataDir: string; web?: WebHost; close(): Promise<void> }> {
  const { registerEmbeddedCluster } = await import('../../core/host/node-deps');
  const dataDir = tempDir();
  const deps = createNodeDeps({ dataDir, host: opts.web ? 'browser' : 'test', requestTimeoutMs: opts.requestTimeoutMs });
  await registerEmbeddedCluster(deps, { url: emu.url, masterToken: emu.masterToken, container: opts.container ?? 'acme-prod' });
  const host = createHost(deps);
  const web = opts.web ? await startWebHost({ host, staticDir: join(process.cwd(), 'out', 'renderer'), port: 0 }) : undefined;
  return {
    host,
    dataDir,
    web,
    async close() {
      await web?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls a channel and returns its data, or throws the typed error's message (for tests). */
export async function callOk<T = unknown>(host: Host, channel: string, input: unknown): Promise<T> {
  const session = createSession(host.deps, 'test-call', () => {});
  const r = await host.call(channel, input, session);
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { apiError: r.error });
  return r.data as T;
}

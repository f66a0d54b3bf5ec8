// Helpers for log-tail tests: a host wired to a running emulator, and a session that acks batches
// the way the pane does (after "writing" them), collecting every line and status.
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newStreamId, type LogLine, type LogStatus } from '../../common/contract';
import { createHost, createSession, type Host } from '../../core/host';
import { createNodeDeps, registerEmbeddedCluster } from '../../core/host/node-deps';
import { tempDir } from './host';

export interface TailRecorder {
  lines: LogLine[];
  statuses: LogStatus[];
  /** When each status arrived (ms since the epoch), same order as `statuses`. */
  statusTimes: number[];
  batches: number;
  /** Every event payload, serialized, to prove what never reaches a renderer. */
  wire: string[];
}

/** A host whose active profile is the emulator (master token), plus a session that records logs events. */
export async function hostOnEmulator(emu: { url: string; masterToken: string }, opts: { autoAck?: boolean; container?: string } = {}) {
  const dataDir = tempDir('esc-logs-');
  const deps = createNodeDeps({ dataDir, host: 'test', requestTimeoutMs: 5_000 });
  await registerEmbeddedCluster(deps, { url: emu.url, masterToken: emu.masterToken, container: opts.container ?? 'demo' });
  const host: Host = createHost(deps);
  const rec: TailRecorder = { lines: [], statuses: [], statusTimes: [], batches: 0, wire: [] };
  const autoAck = opts.autoAck ?? true;
  const session = createSession(deps, `logs-test-${Math.random().toString(36).slice(2)}`, (topic, payload) => {
    rec.wire.push(JSON.stringify(payload));
    if (topic === 'logs.status') {
      rec.statuses.push(payload as LogStatus);
      rec.statusTimes.push(Date.now());
    }
    if (topic === 'logs.batch') {
      const b = payload as { streamId: string; seq: number; lines: LogLine[] };
      rec.batches++;
      rec.lines.push(...b.lines);
      if (autoAck) setImmediate(() => void host.call('logs.ack', { streamId: b.streamId, seq: b.seq }, session));
    }
  });
  const open = async (container: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const r = await host.call('logs.open', { container, streamId: newStreamId(), ...extra }, session);
    if (!r.ok) throw new Error(`logs.open failed: ${r.error.message}`);
    return (r.data as { streamId: string }).streamId;
  };
  return {
    host,
    deps,
    session,
    rec,
    open,
    lastStatus: (): LogStatus | undefined => rec.statuses.at(-1),
    close() {
      session.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` is true, at most `ms` (bounded: tests never loop for ever). */
export async function until(fn: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The browser host serving the built renderer, with the emulator as its active profile. */
export async function webHostOnEmulator(emu: { url: string; masterToken: string }, container = 'acme-prod') {
  const { startWebHost } = await import('../../core/webhost/server');
  const { join } = await import('node:path');
  const dataDir = tempDir('esc-logs-web-');
  const deps = createNodeDeps({ dataDir, host: 'browser', requestTimeoutMs: 5_000 });
  await registerEmbeddedCluster(deps, { url: emu.url, masterToken: emu.masterToken, container });
  const host = createHost(deps);
  const web = await startWebHost({ host, staticDir: join(process.cwd(), 'out', 'renderer'), port: 0 });
  return {
    web,
    host,
    deps,
    async close() {
      await web.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Loopback servers that answer log-stream requests as a test wants (misbehaving on purpose); `close()` ends them all. */
export function loopbackServers() {
  const servers: Server[] = [];
  return {
    async serve(
      handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
    ): Promise<{ url: string; requests: IncomingMessage[] }> {
      const requests: IncomingMessage[] = [];
      const server = createServer((req, res) => {
        requests.push(req);
        handler(req, res, requests.length);
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
    },
    /** The most recent server (to stop it early). */
    last: (): Server | undefined => servers.at(-1),
    close() {
      for (const s of servers.splice(0)) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}

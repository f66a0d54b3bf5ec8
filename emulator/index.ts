// The local webtask cluster, usable as a library (tests start it on port 0) and by emulator/cli.ts.
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { NAME_RX, Store } from './store';
import { TokenService } from './tokens';
import { LogHub } from './logs';
import { WorkerPool } from './runtime/pool';
import { Clock, Scheduler } from './cron';
import { Faults } from './faults';
import { createEmulatorServer } from './server';
import { applySeed } from './seed';
import { install as installAuth0 } from './auth0/index';
import { install as installDestinations } from './destinations/index';
import { StatsHeaders } from './stats-header';
import type { Cluster } from './api/context';
import type { Emulator, EmulatorOptions, FloodHandle, HostModule, Mount } from './types';

export type { Emulator, EmulatorOptions, FloodHandle, HostModule, Mount } from './types';
export type { FaultController, FaultRule, FaultRuleInput } from './faults';

/**
 * The parts mounted beside the webtask API, each installed by its `install(emulator)`. Declared here
 * rather than discovered, so a broken import inside one fails the start loudly instead of passing for
 * "not installed".
 */
const plugins: ReadonlyArray<{ name: string; install(emulator: Emulator): void | Promise<void> }> = [
  { name: 'auth0 logs API', install: installAuth0 },
  { name: 'destination endpoints', install: installDestinations },
];

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const masterToken = opts.masterToken ?? `wtm.${randomBytes(24).toString('base64url')}`;
  const quiet = opts.quiet ?? false;
  const store = new Store();
  const tokens = new TokenService(masterToken);
  const logs = new LogHub({
    bufferSize: opts.logBufferSize ?? 2000,
    pingMs: opts.logPingMs ?? 10_000,
    maxStreamMs: opts.logMaxStreamMs ?? 30 * 60_000,
    maxBufferedBytes: opts.logMaxBufferedBytes ?? 16 * 1024 * 1024,
  });
  for (const c of opts.noResume ?? []) logs.setResume(c, false);
  const hostModules = new Map<string, HostModule>();
  const mounts: Mount[] = [];
  const faults = new Faults();
  const floods = new Map<string, FloodHandle>();
  const clock = new Clock(opts.clockSpeed && opts.clockSpeed > 0 ? opts.clockSpeed : 1);
  let baseUrl = '';

  const storage = {
    async get(container: string, name: string): Promise<unknown> {
      return store.get(container)?.storage.get(name)?.data;
    },
    async set(container: string, name: string, data: unknown): Promise<void> {
      const s = store.ensure(container).storage;
      s.set(name, { data, etag: (s.get(name)?.etag ?? 0) + 1 });
    },
  };

  const platformLog = (container: string, msg: string, extra: Record<string, unknown> = {}): void => {
    logs.emit(container, { msg, level: 30, platform: true, ...extra });
  };

  const pool = new WorkerPool(
    {
      timeoutMs: opts.runTimeoutMs ?? 30_000,
      memoryMb: opts.runMemoryMb ?? 128,
      perContainer: Math.max(2, Math.min(4, availableParallelism())),
      maxWorkers: 32,
    },
    {
      log: (container, name, level, msg, reqId) => logs.emit(container, { msg, level, sandbox: true, webtask: name, req_id: reqId }),
      hostModules: () => [...hostModules.keys()],
      call: async (kind, run, payload) => {
        if (kind === 'storage-get') return storage.get(run.container, run.name);
        if (kind === 'storage-set') return storage.set(run.container, run.name, payload.data);
        if (kind === 'host') {
          const impl = hostModules.get(String(payload.module));
          if (!impl) throw new Error(`host module ${String(payload.module)} is not registered`);
          return impl({
            container: run.container,
            name: run.name,
            secrets: { ...run.secrets },
            meta: { ...run.meta },
            body: payload.body,
            storage: { get: () => storage.get(run.container, run.name), set: (v) => storage.set(run.container, run.name, v) },
            log: (msg, level = 30) => logs.emit(run.container, { msg, level, sandbox: true, webtask: run.name, req_id: run.reqId }),
          });
        }
        throw new Error(`unknown sandbox call ${kind}`);
      },
    },
  );

  const scheduler = new Scheduler(
    store,
    clock,
    async (job) => {
      // A run POSTs the job record to the webtask, through the front door (faults apply as in real life).
      const { history: _h, running: _r, ...record } = job;
      const res = await fetch(`${baseUrl}/api/run/${encodeURIComponent(job.container)}/${encodeURIComponent(job.name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-wt-cron': '1' },
        body: JSON.stringify(record),
      });
      const body = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { status: res.status, headers, body };
    },
    (job, item) =>
      platformLog(job.container, `cron job ${job.name} ran: ${item.type} (HTTP ${item.statusCode}, ${item.duration_ms} ms)`, {
        webtask: job.name,
        event: 'cron.fired',
        level: item.type === 'success' ? 30 : 50,
      }),
  );

  const cluster: Cluster = {
    url: '',
    store,
    tokens,
    logs,
    pool,
    scheduler,
    hostModules,
    maxBodyBytes: opts.maxBodyBytes ?? 5 * 1024 * 1024,
    statsHeaders: new StatsHeaders(opts.statsHeader),
    platformLog,
    webtaskUrl: (c, n) => `${baseUrl}/api/run/${encodeURIComponent(c)}/${encodeURIComponent(n)}`,
    webtaskToken: (rec) =>
      (rec.token ??= tokens.webtaskToken({ ten: rec.container, jtn: rec.name, dd: 0, dr: 1, ...(rec.meta ? { meta: rec.meta } : {}) })),
  };

  const flood = (container: string, rate: number, count?: number): FloodHandle => {
    const id = randomBytes(4).toString('hex');
    const t0 = performance.now();
    const handle: FloodHandle = {
      id,
      container,
      rate,
      sent: 0,
      stop: () => {
        clearInterval(timer);
        floods.delete(id);
      },
    };
    // Emit by elapsed time, not by tick count, so the rate holds when timers run late.
    const timer: NodeJS.Timeout = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      const target = count === undefined ? due : Math.min(due, count);
      const records: Array<Record<string, unknown>> = [];
      while (handle.sent < target) {
        handle.sent++;
        records.push({
          msg: `flood ${id} line ${handle.sent}`,
          level: 30,
          sandbox: true,
          flood: id,
          seq: handle.sent,
          emitted_at: performance.timeOrigin + performance.now(),
        });
      }
      if (records.length) logs.emitMany(container, records);
      if (count !== undefined && handle.sent >= count) handle.stop();
    }, 5);
    floods.set(id, handle);
    return handle;
  };

  const server = createEmulatorServer({
    cluster,
    faults,
    mounts,
    verbose: opts.verbose ?? false,
    quiet,
    adminDeps: {
      faults,
      flood,
      floods,
      fireCron: async (container, name) => {
        const job = store.get(container)?.cron.get(name);
        if (!job) throw Object.assign(new Error('no such job'), {});
        return scheduler.runJob(job, new Date(clock.now()).toISOString());
      },
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  cluster.url = baseUrl;

  let closed = false;
  const emulator: Emulator = {
    options: Object.freeze({ ...opts }),
    url: baseUrl,
    port,
    masterToken,
    tenants: () => [...store.containers.keys()].sort(),
    issueToken: (claims, kind = 'v2') => {
      // A token for a plain name makes the (implicit) container exist, empty; a /regex/ or list does not.
      if (typeof claims.ten === 'string' && NAME_RX.test(claims.ten)) store.ensure(claims.ten);
      return tokens.issue(claims, kind);
    },
    storage,
    registerHostModule: (name, impl) => {
      hostModules.set(name, impl);
    },
    registerMount: (mount) => {
      if (!mount.prefix.startsWith('/')) throw new Error(`mount prefix must start with /: ${mount.prefix}`);
      mounts.push(mount);
      mounts.sort((a, b) => b.prefix.length - a.prefix.length);
    },
    faults,
    emitLog: (container, record) => {
      logs.emit(container, record);
    },
    flood,
    setLogResume: (container, enabled) => logs.setResume(container, enabled),
    setStatsHeader: (header, target) => cluster.statsHeaders.set(header, target),
    webtaskTokens: () => [...store.containers.values()].flatMap((c) => c.list().map((w) => cluster.webtaskToken(w))),
    now: () => clock.now(),
    close: async () => {
      if (closed) return;
      closed = true;
      scheduler.stop();
      for (const f of [...floods.values()]) f.stop();
      logs.closeAll();
      await pool.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  try {
    for (const plugin of plugins) await plugin.install(emulator);
    await applySeed(cluster, emulator, opts.seed ?? 'empty');
  } catch (err) {
    await emulator.close();
    throw err;
  }
  if (opts.scheduledRuns !== false) scheduler.start();
  return emulator;
}

// Worker pool for running extensions. Isolation first: a worker only ever runs code of one
// container and one run at a time; it is reused for that container's next runs (throughput), and
// terminated and replaced when a run exceeds its time limit or its memory limit.
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';

export interface RunRequest {
  container: string;
  name: string;
  code: string;
  secrets: Record<string, string>;
  params: Record<string, string>;
  meta: Record<string, string>;
  parseBody: boolean;
  reqId: string;
  req: { method: string; url: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: Buffer };
}

export interface RunResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  source: 'webtask' | 'compiler' | 'proxy';
  durationMs: number;
  worker: WorkerStats;
}

export interface WorkerStats {
  id: string;
  startedAt: number;
  requests: number;
  responses: Record<string, number>;
}

export interface PoolHooks {
  log(container: string, name: string, level: number, msg: string, reqId: string): void;
  call(kind: string, run: RunRequest, payload: Record<string, unknown>): Promise<unknown>;
  hostModules(): string[];
}

export interface PoolOptions {
  timeoutMs: number;
  memoryMb: number;
  perContainer: number;
  maxWorkers: number;
  /** idle workers are terminated after this long, default 60 s */
  idleMs?: number;
}

interface Slot {
  worker: Worker;
  container: string;
  busy: boolean;
  stats: WorkerStats;
  lastUsed: number;
  run?: InFlight;
  dead: boolean;
}

interface InFlight {
  id: number;
  req: RunRequest;
  started: number;
  resolve(r: RunResult): void;
  timer?: NodeJS.Timeout;
}

const WORKER_URL = new URL('./sandbox-worker.cjs', import.meta.url);
let runIds = 1;

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queues = new Map<string, Array<{ req: RunRequest; resolve(r: RunResult): void }>>();
  private closed = false;

  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly opts: PoolOptions,
    private readonly hooks: PoolHooks,
  ) {
    // Idle workers are reclaimed after a while so a long demo does not keep one per container forever.
    this.reaper = setInterval(
      () => {
        const cutoff = Date.now() - (opts.idleMs ?? 60_000);
        for (const s of [...this.slots]) if (!s.busy && s.lastUsed < cutoff) this.kill(s);
      },
      Math.min(opts.idleMs ?? 60_000, 10_000),
    );
    this.reaper.unref();
  }

  run(req: RunRequest): Promise<RunResult> {
    if (this.closed) return Promise.resolve(proxyError(req, 503, 'Server error', 'the emulator is shutting down'));
    return new Promise((resolve) => {
      const q = this.queues.get(req.container) ?? [];
      q.push({ req, resolve });
      this.queues.set(req.container, q);
      this.pump(req.container);
    });
  }

  workerCount(): number {
    return this.slots.size;
  }

  private pump(container: string): void {
    const q = this.queues.get(container);
    while (q && q.length) {
      const slot = this.acquire(container);
      if (!slot) return;
      const next = q.shift()!;
      this.start(slot, next.req, next.resolve);
    }
    if (q && !q.length) this.queues.delete(container);
  }

  private acquire(container: string): Slot | undefined {
    let mine = 0;
    for (const s of this.slots) {
      if (s.container !== container || s.dead) continue;
      mine++;
      if (!s.busy) return s;
    }
    if (mine >= this.opts.perContainer) return undefined;
    if (this.slots.size >= this.opts.maxWorkers) {
      // Evict the least recently used idle worker of another container.
      let lru: Slot | undefined;
      for (const s of this.slots) if (!s.busy && (!lru || s.lastUsed < lru.lastUsed)) lru = s;
      if (!lru) return undefined;
      this.kill(lru);
    }
    return this.spawn(container);
  }

  private spawn(container: string): Slot {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: {
        maxOldGenerationSizeMb: this.opts.memoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.floor(this.opts.memoryMb / 8)),
        stackSizeMb: 4,
      },
      stdout: true,
      stderr: true,
      // Extensions see only what the runtime hands them in ctx, not the emulator's environment.
      env: {},
    });
    worker.unref();
    const slot: Slot = {
      worker,
      container,
      busy: false,
      dead: false,
      lastUsed: Date.now(),
      stats: { id: randomBytes(6).toString('hex'), startedAt: Date.now(), requests: 0, responses: {} },
    };
    // Raw process.stdout writes from extensions still reach the container's stream.
    const pipe = (level: number) => (chunk: Buffer) => {
      const run = slot.run;
      const text = chunk.toString('utf8').replace(/\n$/, '');
      if (text) this.hooks.log(container, run?.req.name ?? '', level, text, run?.req.reqId ?? '');
    };
    worker.stdout.on('data', pipe(30));
    worker.stderr.on('data', pipe(50));
    worker.on('message', (msg: WorkerMessage) => this.onMessage(slot, msg));
    worker.on('error', (err: Error & { code?: string }) => {
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(slot, oom ? 'The script exceeded its memory limit and was terminated.' : `The sandbox failed: ${err.message}`);
    });
    worker.on('exit', () => this.fail(slot, 'The sandbox exited unexpectedly.'));
    this.slots.add(slot);
    return slot;
  }

  private start(slot: Slot, req: RunRequest, resolve: (r: RunResult) => void): void {
    slot.busy = true;
    slot.lastUsed = Date.now();
    slot.stats.requests++;
    const run: InFlight = { id: runIds++, req, started: performance.now(), resolve };
    slot.run = run;
    run.timer = setTimeout(() => {
      // A runaway extension (sync loop or never calling back): the worker is the only safe stop.
      this.hooks.log(
        req.container,
        req.name,
        50,
        `webtask ${req.name} exceeded the ${this.opts.timeoutMs} ms execution limit and was terminated`,
        req.reqId,
      );
      this.fail(slot, `Script exceeded the execution time limit of ${this.opts.timeoutMs} ms and was terminated.`, 500);
    }, this.opts.timeoutMs);
    const { req: r, ...rest } = req;
    slot.worker.postMessage({ type: 'run', id: run.id, hostModules: this.hooks.hostModules(), ...rest, req: { ...r, body: r.body } });
  }

  private onMessage(slot: Slot, msg: WorkerMessage): void {
    const run = slot.run;
    if (msg.type === 'log') {
      if (run && msg.runId === run.id) this.hooks.log(run.req.container, run.req.name, msg.level, msg.msg, run.req.reqId);
      return;
    }
    if (msg.type === 'call') {
      if (!run || msg.runId !== run.id) {
        slot.worker.postMessage({ type: 'reply', callId: msg.callId, ok: false, error: { message: 'the run is over' } });
        return;
      }
      const { type: _t, kind, callId, runId: _r, ...payload } = msg;
      this.hooks.call(kind, run.req, payload).then(
        (value) => !slot.dead && slot.worker.postMessage({ type: 'reply', callId, ok: true, value }),
        (err: Error & { statusCode?: number }) =>
          !slot.dead &&
          slot.worker.postMessage({
            type: 'reply',
            callId,
            ok: false,
            error: { message: err?.message ?? String(err), statusCode: err?.statusCode },
          }),
      );
      return;
    }
    if (msg.type === 'result') {
      if (!run || msg.runId !== run.id) return;
      this.complete(slot, {
        status: msg.status,
        headers: msg.headers,
        body: Buffer.from(msg.body),
        source: msg.source,
        durationMs: performance.now() - run.started,
        worker: slot.stats,
      });
    }
  }

  private complete(slot: Slot, result: RunResult): void {
    const run = slot.run;
    if (!run) return;
    clearTimeout(run.timer);
    slot.run = undefined;
    slot.busy = false;
    slot.lastUsed = Date.now();
    slot.stats.responses[String(result.status)] = (slot.stats.responses[String(result.status)] ?? 0) + 1;
    run.resolve(result);
    this.pump(slot.container);
  }

  private fail(slot: Slot, details: string, code = 500): void {
    if (slot.dead) return;
    const run = slot.run;
    this.kill(slot);
    if (run) {
      clearTimeout(run.timer);
      const r = proxyError(run.req, code, 'Server error', details);
      r.durationMs = performance.now() - run.started;
      r.worker = slot.stats;
      run.resolve(r);
    }
    this.pump(slot.container);
  }

  private kill(slot: Slot): void {
    slot.dead = true;
    slot.busy = false;
    slot.run = undefined;
    this.slots.delete(slot);
    void slot.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    for (const [, q] of this.queues)
      for (const item of q) item.resolve(proxyError(item.req, 503, 'Server error', 'the emulator is shutting down'));
    this.queues.clear();
    const all = [...this.slots];
    for (const s of all) {
      const run = s.run;
      this.kill(s);
      if (run) {
        clearTimeout(run.timer);
        run.resolve(proxyError(run.req, 503, 'Server error', 'the emulator is shutting down'));
      }
    }
    await Promise.all(all.map((s) => s.worker.terminate().catch(() => 0)));
  }
}

type WorkerMessage =
  | { type: 'log'; runId: number; level: number; msg: string }
  | { type: 'call'; kind: string; callId: number; runId: number; [k: string]: unknown }
  | { type: 'result'; runId: number; status: number; headers: Record<string, string>; body: Uint8Array; source: 'webtask' | 'compiler' };

function proxyError(_req: RunRequest, code: number, error: string, details: string): RunResult {
  return {
    status: code,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ code, error, details })),
    source: 'proxy',
    durationMs: 0,
    worker: { id: '', startedAt: Date.now(), requests: 0, responses: {} },
  };
}

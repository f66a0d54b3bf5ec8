// Logstash `http` input: basic auth, an optional token in the query (the seeds' setup), JSON bodies
// (an array is one event per element) and 429 when its bounded queue is full.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http';
import { DestError, header, parseBasic, send } from './common';

export interface LogstashPipelineOptions {
  user?: string;
  password?: string;
  token?: string;
  /** Events the queue holds; a request that does not fit is refused with 429. */
  queueCapacity?: number;
  /** Events/s the pipeline drains from the queue. */
  drainPerSec?: number;
}

export class LogstashPipeline {
  events: unknown[] = [];
  stats = { requests: 0, accepted: 0, refusedQueueFull: 0, unauthorized: 0, parseFailures: 0 };
  private queued = 0;
  private lastDrain = Date.now();
  constructor(readonly opts: LogstashPipelineOptions) {}

  /** Fills the queue to capacity now (a test's "the pipeline is backed up", whatever the machine's speed). */
  fill(): void {
    this.queued = this.opts.queueCapacity ?? 0;
    this.lastDrain = Date.now();
  }

  /** Whether `n` more events fit in the queue right now. */
  admit(n: number): boolean {
    const cap = this.opts.queueCapacity;
    if (!cap) return true;
    const now = Date.now();
    this.queued = Math.max(0, this.queued - ((now - this.lastDrain) / 1000) * (this.opts.drainPerSec ?? 1000));
    this.lastDrain = now;
    if (this.queued + n > cap && this.queued > 0) return false;
    this.queued += n;
    return true;
  }
}

export class LogstashState {
  readonly pipelines = new Map<string, LogstashPipeline>();
  constructor(private readonly auto?: (name: string) => LogstashPipelineOptions | null) {}
  create(name: string, opts: LogstashPipelineOptions = {}): LogstashPipeline {
    const p = new LogstashPipeline(opts);
    this.pipelines.set(name, p);
    return p;
  }
  get(name: string): LogstashPipeline | undefined {
    let p = this.pipelines.get(name);
    if (!p && this.auto) {
      const o = this.auto(name);
      if (o) p = this.create(name, o);
    }
    return p;
  }
  summary() {
    return Object.fromEntries([...this.pipelines].map(([n, p]) => [n, { events: p.events.length, ...p.stats }]));
  }
}

export async function handleLogstash(
  state: LogstashState,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const p = state.get(name);
  if (!p) throw new DestError(404, 'no such pipeline', { 'content-type': 'text/plain' });
  p.stats.requests++;
  if (req.method !== 'POST' && req.method !== 'PUT') throw new DestError(405, 'Method Not Allowed', { 'content-type': 'text/plain' });
  if (p.opts.user !== undefined) {
    const cred = parseBasic(req);
    if (!cred || cred.user !== p.opts.user || cred.password !== p.opts.password) {
      p.stats.unauthorized++;
      req.resume();
      throw new DestError(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="Logstash"', 'content-type': 'text/plain' });
    }
  }
  if (p.opts.token !== undefined && url.searchParams.get('token') !== p.opts.token) {
    p.stats.unauthorized++;
    req.resume();
    throw new DestError(401, 'Unauthorized', { 'content-type': 'text/plain' });
  }
  const body = (await readBody(req, 100 * 1024 * 1024)).toString('utf8');
  let events: unknown[];
  if (/json/.test(header(req, 'content-type') ?? '')) {
    try {
      const v: unknown = JSON.parse(body);
      events = Array.isArray(v) ? v : [v];
    } catch {
      // The real input still accepts the request: the event carries a _jsonparsefailure tag.
      p.stats.parseFailures++;
      events = [{ message: body.slice(0, 1000), tags: ['_jsonparsefailure'] }];
    }
  } else events = [{ message: body }];
  if (!p.admit(events.length)) {
    p.stats.refusedQueueFull++;
    throw new DestError(429, 'Too Many Requests', { 'content-type': 'text/plain', 'retry-after': '1' });
  }
  for (const e of events) p.events.push(e);
  p.stats.accepted += events.length;
  send(res, 200, 'ok', { 'content-type': 'text/plain' });
}

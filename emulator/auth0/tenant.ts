// An Auth0 tenant's data model for the emulator: its logs (ordered by log_id, as the Management API
// serves them in checkpoint mode), the clients and tokens it knows, its rate-limit window, and the
// requests it saw (so tests can assert what a client asked for). Routing lives in ./api.ts.
import { type GeneratedLog, LogGenerator } from './generator';

export interface Auth0TenantOptions {
  clients?: Array<{ clientId: string; clientSecret: string; scopes?: string[] }>;
  /** Lifetime of issued tokens in seconds (short in tests to expire them mid-run). */
  tokenTtlSec?: number;
  /** Requests per window on /api/v2; null: unlimited. */
  rateLimit?: { limit: number; windowSec?: number } | null;
  /** Events generated up front, dated over the last `seedSpanMs` (default one hour). */
  seedCount?: number;
  seedSpanMs?: number;
  /** Events per second generated while the tenant lives. */
  rate?: number;
  /** PRNG seed, for reproducible data. */
  seed?: number;
  /** Oldest events are dropped past this many (the tenant's retention), default 2,000,000. */
  maxLogs?: number;
}

export interface Auth0Stats {
  logs: number;
  oldest: string | null;
  newest: string | null;
  tokensIssued: number;
  requests: number;
  rateLimited: number;
  unauthorized: number;
  /** Requests refused for asking what the docs do not describe (400). */
  refused: number;
}

export class Auth0Tenant {
  /** Serialized events, ordered by log_id: a page is a join, so the source side is never the bottleneck. */
  private json: string[] = [];
  private ids: string[] = [];
  private dates: number[] = [];
  private head = 0;
  private seq = 0;
  private lastMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly gen: LogGenerator;
  readonly tokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  private window = { id: -1, count: 0 };
  stats = { tokensIssued: 0, requests: 0, rateLimited: 0, unauthorized: 0, refused: 0 };
  /** The last requests to /api/v2/logs (path and query), oldest first, for tests asserting what a client asked. */
  readonly requestLog: string[] = [];
  clients: NonNullable<Auth0TenantOptions['clients']>;
  tokenTtlSec: number;
  rateLimit: Auth0TenantOptions['rateLimit'];
  readonly maxLogs: number;

  constructor(
    readonly name: string,
    opts: Auth0TenantOptions = {},
  ) {
    this.clients = opts.clients ?? [];
    this.tokenTtlSec = opts.tokenTtlSec ?? 86_400;
    this.rateLimit = opts.rateLimit ?? null;
    this.maxLogs = opts.maxLogs ?? 2_000_000;
    this.gen = new LogGenerator(opts.seed ?? hash(name), `${name}.auth0.com`);
    if (opts.seedCount) this.seedPast(opts.seedCount, opts.seedSpanMs ?? 3_600_000);
    if (opts.rate) this.setRate(opts.rate);
  }

  get count(): number {
    return this.ids.length - this.head;
  }

  /** Adds `n` events dated from now - spanMs to now. */
  seedPast(n: number, spanMs: number): void {
    const now = Date.now();
    for (let i = 0; i < n; i++) this.append(now - spanMs + Math.floor((spanMs * i) / Math.max(1, n)));
  }

  /** Appends one event at `ms` (never before the newest one, so log_id order is date order at generation). */
  append(ms = Date.now(), override?: Partial<GeneratedLog>): GeneratedLog {
    const t = Math.max(ms, this.lastMs);
    this.lastMs = t;
    const log = override ? { ...this.gen.make(t, ++this.seq), ...override } : this.gen.make(t, ++this.seq);
    if (this.ids.length > this.head && log.log_id <= this.ids[this.ids.length - 1]!) throw new Error('log ids must increase');
    this.json.push(JSON.stringify(log));
    this.ids.push(log.log_id);
    this.dates.push(t);
    if (this.count > this.maxLogs) this.head++;
    // Compact now and then so dropped events free their memory.
    if (this.head > 100_000 && this.head > this.ids.length / 2) {
      this.json = this.json.slice(this.head);
      this.ids = this.ids.slice(this.head);
      this.dates = this.dates.slice(this.head);
      this.head = 0;
    }
    return log;
  }

  /** Appends a log exactly as given (golden-file tests); its log_id must sort after every stored one. */
  appendLog(log: GeneratedLog): void {
    if (this.ids.length > this.head && log.log_id <= this.ids[this.ids.length - 1]!) throw new Error('log ids must increase');
    const t = Date.parse(log.date);
    this.json.push(JSON.stringify(log));
    this.ids.push(log.log_id);
    this.dates.push(Number.isFinite(t) ? t : Date.now());
  }

  /** Generates `rate` events/s from now on (0 stops). Counted by elapsed time, so late timers do not lower the rate. */
  setRate(rate: number): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (rate <= 0) return;
    const t0 = Date.now();
    let made = 0;
    this.timer = setInterval(
      () => {
        const due = Math.floor(((Date.now() - t0) / 1000) * rate);
        for (; made < due; made++) this.append();
      },
      Math.max(10, Math.min(1000, 1000 / rate)),
    );
    this.timer.unref();
  }

  stop(): void {
    this.setRate(0);
  }

  /** Makes every issued token expire now (a token dying mid-run). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, Date.now());
  }

  /** All events (parsed), oldest first: for tests comparing source and destination. */
  all(): GeneratedLog[] {
    return this.json.slice(this.head).map((s) => JSON.parse(s) as GeneratedLog);
  }
  allIds(): string[] {
    return this.ids.slice(this.head);
  }

  /** Index of the first event with log_id > from. */
  private after(from: string): number {
    let lo = this.head;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid]! <= from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Up to `take` events after `from` (exclusive), and the log_id of the last one (null when none). */
  checkpointPage(from: string, take: number): { body: string; lastId: string | null } {
    const start = this.after(from);
    const end = Math.min(this.ids.length, start + take);
    return { body: `[${this.json.slice(start, end).join(',')}]`, lastId: end > start ? this.ids[end - 1]! : null };
  }

  search(opts: { page: number; perPage: number; sort: 1 | -1; q: Array<[string, string]>; includeTotals: boolean }): string {
    let idx: number[] = [];
    const n = this.ids.length;
    const matches = (i: number) => {
      if (opts.q.length === 0) return true;
      const log = JSON.parse(this.json[i]!) as Record<string, unknown>;
      return opts.q.every(([k, v]) => String(log[k] ?? '') === v);
    };
    // The search index holds at most 1,000 results; walk in the requested order until enough.
    const need = (opts.page + 1) * opts.perPage;
    if (opts.sort === -1) {
      for (let i = n - 1; i >= this.head && idx.length < need; i--) if (matches(i)) idx.push(i);
    } else {
      for (let i = this.head; i < n && idx.length < need; i++) if (matches(i)) idx.push(i);
    }
    idx = idx.slice(opts.page * opts.perPage, need);
    const logs = `[${idx.map((i) => this.json[i]).join(',')}]`;
    if (!opts.includeTotals) return logs;
    const total = opts.q.length === 0 ? Math.min(1000, this.count) : idx.length;
    return `{"start":${opts.page * opts.perPage},"limit":${opts.perPage},"length":${idx.length},"total":${total},"logs":${logs}}`;
  }

  getOne(id: string): string | undefined {
    const i = this.after(id) - 1;
    return i >= this.head && this.ids[i] === id ? this.json[i] : undefined;
  }

  stat(): Auth0Stats {
    return {
      logs: this.count,
      oldest: this.ids[this.head] ?? null,
      newest: this.ids[this.ids.length - 1] ?? null,
      ...this.stats,
    };
  }

  noteRequest(pathAndQuery: string): void {
    this.requestLog.push(pathAndQuery);
    if (this.requestLog.length > 2000) this.requestLog.splice(0, this.requestLog.length - 1000);
  }

  /** Fixed windows aligned to the epoch, as Auth0 reports them: reset is the window's end in epoch seconds. */
  takeRate(): { headers: Record<string, string>; limited: boolean } {
    const rl = this.rateLimit;
    if (!rl) return { headers: {}, limited: false };
    const windowSec = rl.windowSec ?? 1;
    const now = Date.now();
    const id = Math.floor(now / (windowSec * 1000));
    if (this.window.id !== id) this.window = { id, count: 0 };
    const limited = this.window.count >= rl.limit;
    if (!limited) this.window.count++;
    const headers = {
      'x-ratelimit-limit': String(rl.limit),
      'x-ratelimit-remaining': String(Math.max(0, rl.limit - this.window.count)),
      'x-ratelimit-reset': String((id + 1) * windowSec),
    };
    return { headers, limited };
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

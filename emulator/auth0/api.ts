// An Auth0 tenant's Management API subset: client-credential tokens and /api/v2/logs in checkpoint
// and search mode, with x-ratelimit-* headers and 429s. Usable on a plain node http server
// (tests) or mounted into the emulator by ./index.ts.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, readBody } from '../http';
import type { Mount } from '../types';
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
}

/** Auth0's error body shape. */
class Auth0Error extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? body.error_description ?? body.error));
  }
}
const mgmtError = (status: number, error: string, message: string, errorCode?: string) =>
  new Auth0Error(status, { statusCode: status, error, message, ...(errorCode ? { errorCode } : {}) });

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
  stats = { tokensIssued: 0, requests: 0, rateLimited: 0, unauthorized: 0 };
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

  /** Generates `rate` events/s from now on (0 stops). Counted by elapsed time, so late timers do not lower the rate. */
  setRate(rate: number): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (rate <= 0) return;
    const t0 = Date.now();
    let made = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      for (; made < due; made++) this.append();
    }, Math.max(10, Math.min(1000, 1000 / rate)));
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

  checkpointPage(from: string | null, take: number): string {
    const start = from === null ? this.head : this.after(from);
    return `[${this.json.slice(start, start + take).join(',')}]`;
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

export interface Auth0ApiOptions {
  /** URL prefix, default /auth0 (so /auth0/{tenant}/oauth/token). */
  prefix?: string;
  /** Options for a tenant asked for by name that was not created: null refuses (404). */
  autoTenant?: (name: string) => Auth0TenantOptions | null;
}

export interface Auth0Api {
  mount: Mount;
  tenants: Map<string, Auth0Tenant>;
  createTenant(name: string, opts?: Auth0TenantOptions): Auth0Tenant;
  tenant(name: string): Auth0Tenant | undefined;
  close(): void;
}

const TENANT = /^[A-Za-z0-9_.-]{1,128}$/;

export function createAuth0Api(opts: Auth0ApiOptions = {}): Auth0Api {
  const prefix = (opts.prefix ?? '/auth0').replace(/\/$/, '');
  const tenants = new Map<string, Auth0Tenant>();

  const api: Auth0Api = {
    tenants,
    createTenant(name, o) {
      if (!TENANT.test(name)) throw new Error(`invalid tenant name ${name}`);
      tenants.get(name)?.stop();
      const t = new Auth0Tenant(name, o);
      tenants.set(name, t);
      return t;
    },
    tenant(name) {
      let t = tenants.get(name);
      if (!t && opts.autoTenant && TENANT.test(name)) {
        const o = opts.autoTenant(name);
        if (o) t = api.createTenant(name, o);
      }
      return t;
    },
    close() {
      for (const t of tenants.values()) t.stop();
    },
    mount: {
      prefix: `${prefix}/`,
      async handle(req, res, url) {
        try {
          await route(req, res, url);
        } catch (e) {
          if (e instanceof Auth0Error) return send(res, e.status, JSON.stringify(e.body), e.headers);
          if (e instanceof ApiError) return send(res, e.status, JSON.stringify({ statusCode: e.status, error: 'Bad Request', message: e.message }));
          send(res, 500, JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: (e as Error).message }));
        }
      },
    },
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(prefix.length + 1);
    const slash = rest.indexOf('/');
    const name = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const path = slash < 0 ? '/' : rest.slice(slash);
    const tenant = api.tenant(name);
    if (!tenant) throw mgmtError(404, 'Not Found', `no Auth0 tenant "${name.slice(0, 80)}" in this emulator`);
    const method = req.method ?? 'GET';
    if (path === '/oauth/token') {
      if (method !== 'POST') throw mgmtError(405, 'Method Not Allowed', 'use POST');
      return token(req, res, tenant, name);
    }
    if (path === '/_stats' && method === 'GET') return send(res, 200, JSON.stringify(tenant.stat()));
    if (path === '/api/v2/logs' || path.startsWith('/api/v2/logs/')) {
      if (method !== 'GET') throw mgmtError(405, 'Method Not Allowed', `${method} is not allowed on ${path}`);
      tenant.stats.requests++;
      authorize(req, tenant);
      const rate = tenant.takeRate();
      if (rate.limited) {
        tenant.stats.rateLimited++;
        const e = mgmtError(429, 'Too Many Requests', 'Global limit has been reached', 'too_many_requests');
        throw new Auth0Error(429, e.body, rate.headers);
      }
      if (path === '/api/v2/logs') return send(res, 200, logs(url, tenant), rate.headers);
      const one = tenant.getOne(decodeURIComponent(path.slice('/api/v2/logs/'.length)));
      if (!one) throw new Auth0Error(404, { statusCode: 404, error: 'Not Found', message: 'log not found', errorCode: 'inexistent_log' }, rate.headers);
      return send(res, 200, one, rate.headers);
    }
    throw mgmtError(404, 'Not Found', `no such endpoint: ${method} ${path}`);
  }

  async function token(req: IncomingMessage, res: ServerResponse, tenant: Auth0Tenant, name: string): Promise<void> {
    const raw = (await readBody(req, 64 * 1024)).toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')
        ? Object.fromEntries(new URLSearchParams(raw))
        : (JSON.parse(raw || '{}') as Record<string, unknown>);
    } catch {
      throw new Auth0Error(400, { error: 'invalid_request', error_description: 'The request body is not valid JSON.' });
    }
    if (body.grant_type !== 'client_credentials')
      throw new Auth0Error(403, { error: 'unauthorized_client', error_description: `Grant type '${String(body.grant_type ?? '')}' not allowed for the client.` });
    const client = tenant.clients.find((c) => c.clientId === body.client_id);
    if (!client || client.clientSecret !== body.client_secret) throw new Auth0Error(401, { error: 'access_denied', error_description: 'Unauthorized' });
    const host = req.headers.host ?? '127.0.0.1';
    const audiences = [`http://${host}${prefix}/${name}/api/v2/`, `https://${host}${prefix}/${name}/api/v2/`, `https://${name}.auth0.com/api/v2/`];
    if (typeof body.audience !== 'string' || !audiences.includes(body.audience))
      throw new Auth0Error(403, { error: 'access_denied', error_description: `Service not enabled within domain: ${String(body.audience ?? '')}` });
    const value = randomBytes(24).toString('base64url');
    tenant.tokens.set(value, { expiresAt: Date.now() + tenant.tokenTtlSec * 1000, scopes: client.scopes ?? ['read:logs'] });
    tenant.stats.tokensIssued++;
    // Forget long-dead tokens so a long demo does not grow the map without bound.
    if (tenant.tokens.size > 1000) for (const [k, v] of tenant.tokens) if (v.expiresAt < Date.now() - 3600_000) tenant.tokens.delete(k);
    send(res, 200, JSON.stringify({ access_token: value, token_type: 'Bearer', expires_in: tenant.tokenTtlSec, scope: (client.scopes ?? ['read:logs']).join(' ') }));
  }

  function authorize(req: IncomingMessage, tenant: Auth0Tenant): void {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    const fail = (message: string) => {
      tenant.stats.unauthorized++;
      return new Auth0Error(401, { statusCode: 401, error: 'Unauthorized', message, attributes: { error: message } });
    };
    if (!m) throw fail('Missing authentication');
    const t = tenant.tokens.get(m[1]!);
    if (!t) throw fail('Invalid token');
    if (t.expiresAt <= Date.now()) throw fail('Expired token received for JSON Web Token validation');
    if (!t.scopes.includes('read:logs'))
      throw new Auth0Error(403, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:logs', errorCode: 'insufficient_scope' });
  }

  function logs(url: URL, tenant: Auth0Tenant): string {
    const q = url.searchParams;
    const bad = (message: string) =>
      mgmtError(400, 'Bad Request', `Invalid request query string. The message is: ${message}`, 'invalid_query_string');
    const int = (k: string, def: number, min: number, max: number) => {
      const v = q.get(k);
      if (v === null || v === '') return def;
      if (!/^\d+$/.test(v)) throw bad(`Query validation error: '${k}' must be an integer`);
      const n = Number(v);
      if (n < min || n > max) throw bad(`Query validation error: '${k}' must be between ${min} and ${max}`);
      return n;
    };
    const from = q.get('from');
    const searchMode = !from && (q.has('page') || q.has('per_page') || q.has('q') || q.has('sort') || !q.has('take'));
    if (!searchMode) {
      // Checkpoint mode: every other parameter is ignored. `take` without `from` starts at the oldest retained event.
      if (from !== null && !/^\d{1,56}$/.test(from)) throw bad(`Query validation error: 'from' must be a log_id`);
      const take = int('take', 50, 1, 100);
      return tenant.checkpointPage(from, take);
    }
    const page = int('page', 0, 0, 1000);
    const perPage = int('per_page', 50, 1, 100);
    if ((page + 1) * perPage > 1000)
      throw bad('You can only page through the first 1,000 records. Use checkpoint pagination (from, take) to read further.');
    const sortRaw = q.get('sort') ?? 'date:-1';
    if (!/^date:-?1$/.test(sortRaw)) throw bad(`Query validation error: 'sort' must be date:1 or date:-1`);
    const terms: Array<[string, string]> = [];
    const qs = (q.get('q') ?? '').trim();
    if (qs) {
      for (const part of qs.split(/\s+AND\s+|\s+/)) {
        const m = /^([a-z_]+):"?([^"]*)"?$/.exec(part);
        if (!m) throw bad(`Query validation error: unsupported q term "${part.slice(0, 60)}" (use field:value)`);
        terms.push([m[1]!, m[2]!]);
      }
    }
    return tenant.search({ page, perPage, sort: sortRaw.endsWith('-1') ? -1 : 1, q: terms, includeTotals: q.get('include_totals') === 'true' });
  }

  return api;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

// Generic fault injection, applied before every handler (the emulator's own and mounted ones).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ApiError, isRecord, reqId } from './http';

export interface FaultRuleInput {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path prefix to match, e.g. `/dest/cloudwatch` (any when absent). */
  path?: string;
  /** Regular expression tested against the path (and query). */
  pathRegex?: string;
  /** Added latency before the request is handled. */
  latencyMs?: number;
  /** Answer with this status instead of the handler (an error rate when combined with `rate`). */
  status?: number;
  /** Answer 429 with `x-ratelimit-*` and `retry-after` headers; the reset is this many seconds away. */
  rateLimitResetSec?: number;
  /** Drop the connection: before any response, mid-response (after part of the body), or mid-stream. */
  drop?: 'before-response' | 'mid-response' | 'mid-stream';
  /** For `mid-stream` (and `mid-response`): drop after this many body bytes were written... */
  dropAfterBytes?: number;
  /** ... or this many ms after the response started. */
  dropAfterMs?: number;
  /** Apply to at most this many requests, then the rule is spent (stays listed with `remaining: 0`). */
  count?: number;
  /** Probability in [0, 1] that a matching request is affected (default 1). */
  rate?: number;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  hits: number;
  remaining: number | null;
}

export interface FaultController {
  add(rule: FaultRuleInput): FaultRule;
  list(): FaultRule[];
  remove(id: string): boolean;
  clear(): void;
}

export function validateFaultRule(v: unknown): FaultRuleInput {
  if (!isRecord(v)) throw new ApiError(400, 'a fault rule must be a JSON object');
  const r: FaultRuleInput = {};
  const num = (k: keyof FaultRuleInput, min: number, max: number): number | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max)
      throw new ApiError(400, `fault rule: ${k} must be a number between ${min} and ${max}`);
    return x;
  };
  if (v.method !== undefined) {
    if (typeof v.method !== 'string') throw new ApiError(400, 'fault rule: method must be a string');
    r.method = v.method.toUpperCase();
  }
  if (v.path !== undefined) {
    if (typeof v.path !== 'string' || !v.path.startsWith('/')) throw new ApiError(400, 'fault rule: path must be a string starting with /');
    r.path = v.path;
  }
  if (v.pathRegex !== undefined) {
    if (typeof v.pathRegex !== 'string') throw new ApiError(400, 'fault rule: pathRegex must be a string');
    try {
      new RegExp(v.pathRegex);
    } catch (err) {
      throw new ApiError(400, `fault rule: pathRegex is not a valid regular expression: ${(err as Error).message}`);
    }
    r.pathRegex = v.pathRegex;
  }
  r.latencyMs = num('latencyMs', 0, 600_000);
  r.status = num('status', 100, 599);
  r.rateLimitResetSec = num('rateLimitResetSec', 0, 3600);
  r.dropAfterBytes = num('dropAfterBytes', 0, 1e12);
  r.dropAfterMs = num('dropAfterMs', 0, 3_600_000);
  r.count = num('count', 1, 1e9);
  r.rate = num('rate', 0, 1);
  if (v.drop !== undefined) {
    if (v.drop !== 'before-response' && v.drop !== 'mid-response' && v.drop !== 'mid-stream') {
      throw new ApiError(400, 'fault rule: drop must be "before-response", "mid-response" or "mid-stream"');
    }
    r.drop = v.drop;
  }
  for (const k of Object.keys(r) as Array<keyof FaultRuleInput>) if (r[k] === undefined) delete r[k];
  const effects = ['latencyMs', 'status', 'rateLimitResetSec', 'drop'].filter((k) => k in r);
  if (effects.length === 0) throw new ApiError(400, 'fault rule: give at least one effect (latencyMs, status, rateLimitResetSec or drop)');
  const known = new Set([
    'method',
    'path',
    'pathRegex',
    'latencyMs',
    'status',
    'rateLimitResetSec',
    'drop',
    'dropAfterBytes',
    'dropAfterMs',
    'count',
    'rate',
  ]);
  for (const k of Object.keys(v)) if (!known.has(k)) throw new ApiError(400, `fault rule: unknown field "${k}"`);
  return r;
}

export class Faults implements FaultController {
  private rules: FaultRule[] = [];
  private readonly regex = new Map<string, RegExp>();

  add(input: FaultRuleInput): FaultRule {
    const checked = validateFaultRule(input);
    const rule: FaultRule = { ...checked, id: randomBytes(6).toString('hex'), hits: 0, remaining: checked.count ?? null };
    if (rule.pathRegex) this.regex.set(rule.id, new RegExp(rule.pathRegex));
    this.rules.push(rule);
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.regex.delete(id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
    this.regex.clear();
  }

  /**
   * Applies matching rules to a request. Returns true when the fault layer answered (or dropped)
   * the request so the handler must not run.
   */
  async apply(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (this.rules.length === 0) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const target = url.pathname + url.search;
    let latency = 0;
    let terminal: FaultRule | undefined;
    let streamDrop: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.remaining === 0) continue;
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !url.pathname.startsWith(rule.path)) continue;
      const rx = this.regex.get(rule.id);
      if (rx && !rx.test(target)) continue;
      if (rule.rate !== undefined && Math.random() >= rule.rate) continue;
      rule.hits++;
      if (rule.remaining !== null) rule.remaining--;
      if (rule.latencyMs) latency += rule.latencyMs;
      if (rule.drop === 'mid-response' || rule.drop === 'mid-stream') streamDrop ??= rule;
      else if (!terminal && (rule.status !== undefined || rule.rateLimitResetSec !== undefined || rule.drop)) terminal = rule;
    }
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (terminal) {
      if (terminal.drop === 'before-response') {
        req.socket.destroy();
        return true;
      }
      if (terminal.rateLimitResetSec !== undefined) {
        const reset = Math.ceil(Date.now() / 1000 + terminal.rateLimitResetSec);
        const body = JSON.stringify({
          code: 429,
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Too Many Requests (fault injected)',
          req_id: reqId(req),
        });
        res.writeHead(429, {
          'content-type': 'application/json; charset=utf-8',
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
          'retry-after': String(Math.max(0, Math.ceil(terminal.rateLimitResetSec))),
        });
        res.end(body);
        req.resume();
        return true;
      }
      const status = terminal.status ?? 500;
      const body = JSON.stringify({ code: status, message: `fault injected: HTTP ${status}`, req_id: reqId(req) });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      req.resume();
      return true;
    }
    if (streamDrop) armDrop(req, res, streamDrop);
    return false;
  }
}

/** Cuts the socket after N body bytes or M ms of the response, wherever the handler is. */
function armDrop(req: IncomingMessage, res: ServerResponse, rule: FaultRule): void {
  const kill = (): void => {
    req.socket.destroy();
  };
  // mid-stream with no threshold: cut after one second of streaming.
  const afterMs = rule.dropAfterMs ?? (rule.drop === 'mid-stream' && rule.dropAfterBytes === undefined ? 1000 : undefined);
  if (afterMs !== undefined) {
    const t = setTimeout(kill, afterMs);
    res.once('close', () => clearTimeout(t));
  }
  const budget = rule.dropAfterBytes;
  if (budget === undefined && rule.drop !== 'mid-response') return;
  let written = 0;
  let cut = false;
  const origWrite = res.write.bind(res) as (chunk: unknown) => boolean;
  const origEnd = res.end.bind(res) as () => ServerResponse;
  // Writes what fits under the byte budget (mid-response with no budget: half of the first chunk),
  // then cuts: the client sees a truncated body.
  const take = (chunk: unknown): boolean => {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    const room = budget !== undefined ? budget - written : Math.floor(buf.length / 2);
    if (buf.length <= room && budget !== undefined) {
      written += buf.length;
      origWrite(buf);
      return false;
    }
    const part = buf.subarray(0, Math.max(0, room));
    if (part.length) origWrite(part);
    written += part.length;
    cut = true;
    setImmediate(kill);
    return true;
  };
  const isData = (c: unknown): boolean => c !== undefined && c !== null && typeof c !== 'function';
  (res as unknown as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (cut || req.socket.destroyed) return false;
    if (isData(chunk) && take(chunk)) return false;
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    if (cb) process.nextTick(cb);
    return true;
  };
  (res as unknown as { end: unknown }).end = (...args: unknown[]): ServerResponse => {
    if (cut || req.socket.destroyed) return res;
    if (isData(args[0]) && take(args[0])) return res;
    if (budget === undefined) {
      kill();
      return res;
    }
    return origEnd();
  };
}

// Splunk HTTP Event Collector: `Authorization: Splunk <token>`, JSON events (several concatenated
// objects per request) at /services/collector[/event[/1.0]], HEC's `{text, code}` answers, tokens
// limited to indexes, and indexer acknowledgement (`X-Splunk-Request-Channel`, ackId, /ack).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http';
import { header, jsonError, sendJson } from './common';

export interface SplunkTokenOptions {
  /** Indexes the token may write to (empty: any); the first is its default index. */
  indexes?: string[];
  /** Indexer acknowledgement: requests need a channel, answers carry an ackId. */
  ack?: boolean;
  /** How long an acknowledged batch takes to be "indexed" (ms). */
  ackDelayMs?: number;
  disabled?: boolean;
}

export interface SplunkEvent {
  token: string;
  index: string;
  /** The event envelope exactly as received (time, event, index, source, ...). */
  envelope: Record<string, unknown>;
}

/** HEC's maximum request size with the long-standing default max_content_length (the engine batches under it). */
export const HEC_MAX_CONTENT_LENGTH = 1_000_000;

export class SplunkState {
  readonly tokens = new Map<string, SplunkTokenOptions>();
  events: SplunkEvent[] = [];
  /** Request bodies as received, for tests asserting exact bytes. */
  bodies: string[] = [];
  stats = { requests: 0, accepted: 0, refused: 0, unauthorized: 0, ackQueries: 0 };
  private readonly channels = new Map<string, { next: number; pending: Map<number, number> }>();
  /** The next `busy` event requests are refused as a full HEC queue does: 503 `{"text":"Server is busy","code":9}`. */
  busy = 0;

  addToken(token: string, opts: SplunkTokenOptions = {}): void {
    this.tokens.set(token, opts);
  }
  summary() {
    return { events: this.events.length, ...this.stats };
  }
  /** Events received with this token (and index). */
  received(token: string, index?: string): Array<Record<string, unknown>> {
    return this.events.filter((e) => e.token === token && (index === undefined || e.index === index)).map((e) => e.envelope);
  }
  ackId(channel: string, delayMs: number): number {
    let c = this.channels.get(channel);
    if (!c) this.channels.set(channel, (c = { next: 0, pending: new Map() }));
    const id = c.next++;
    c.pending.set(id, Date.now() + delayMs);
    return id;
  }
  acked(channel: string, id: number): boolean {
    const at = this.channels.get(channel)?.pending.get(id);
    return at !== undefined && at <= Date.now();
  }
}

const hec = (status: number, text: string, code: number, extra: Record<string, unknown> = {}) =>
  jsonError(status, { text, code, ...extra });

/** Splits a body of concatenated (or newline-separated) JSON objects; the index of the first bad one is thrown. */
export function splitEvents(body: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}') {
      if (--depth === 0) {
        try {
          out.push(JSON.parse(body.slice(start, i + 1)));
        } catch {
          throw Object.assign(new Error('bad event'), { index: out.length });
        }
      }
      if (depth < 0) throw Object.assign(new Error('bad event'), { index: out.length });
    } else if (depth === 0 && !/\s/.test(ch)) throw Object.assign(new Error('bad event'), { index: out.length });
  }
  if (depth !== 0 || inString) throw Object.assign(new Error('bad event'), { index: out.length });
  return out;
}

function authorize(state: SplunkState, req: IncomingMessage): { token: string; opts: SplunkTokenOptions } {
  const h = header(req, 'authorization');
  if (!h) {
    state.stats.unauthorized++;
    throw hec(401, 'Token is required', 2);
  }
  const m = /^Splunk\s+(\S+)$/.exec(h);
  if (!m) {
    state.stats.unauthorized++;
    throw hec(401, 'Invalid authorization', 3);
  }
  const opts = state.tokens.get(m[1]!);
  if (!opts) {
    state.stats.unauthorized++;
    throw hec(403, 'Invalid token', 4);
  }
  if (opts.disabled) {
    state.stats.unauthorized++;
    throw hec(403, 'Token disabled', 1);
  }
  return { token: m[1]!, opts };
}

/** `path` is what follows /dest/splunk: /services/collector, /services/collector/event[/1.0], /services/collector/ack, /services/collector/health. */
export async function handleSplunk(state: SplunkState, path: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (path === '/services/collector/health' && req.method === 'GET') return sendJson(res, 200, { text: 'HEC is healthy', code: 17 });
  if (!/^\/services\/collector(\/event(\/1\.0)?|\/ack)?\/?$/.test(path))
    throw hec(404, 'The requested URL was not found on this server.', 404);
  if (req.method !== 'POST') throw hec(405, 'Method Not Allowed', 405);
  state.stats.requests++;
  let auth;
  try {
    auth = authorize(state, req);
  } catch (e) {
    req.resume();
    throw e;
  }
  if (!path.startsWith('/services/collector/ack') && state.busy > 0) {
    state.busy--;
    state.stats.refused++;
    req.resume();
    throw hec(503, 'Server is busy', 9);
  }
  const channel = header(req, 'x-splunk-request-channel') ?? url.searchParams.get('channel') ?? undefined;
  const raw = await readBody(req, 100 * 1024 * 1024);
  if (path.startsWith('/services/collector/ack')) {
    state.stats.ackQueries++;
    if (!auth.opts.ack) throw hec(400, 'ACK is disabled', 14);
    if (!channel) throw hec(400, 'Data channel is missing', 10);
    let acks: unknown;
    try {
      acks = (JSON.parse(raw.toString('utf8')) as { acks?: unknown }).acks;
    } catch {
      throw hec(400, 'Invalid data format', 6);
    }
    if (!Array.isArray(acks) || !acks.every((a) => Number.isInteger(a))) throw hec(400, 'Invalid data format', 6);
    return sendJson(res, 200, { acks: Object.fromEntries((acks as number[]).map((a) => [String(a), state.acked(channel, a)])) });
  }
  if (raw.length > HEC_MAX_CONTENT_LENGTH) {
    state.stats.refused++;
    throw jsonError(413, { text: `Content-Length of ${raw.length} too large (maximum is ${HEC_MAX_CONTENT_LENGTH})`, code: 413 });
  }
  if (auth.opts.ack && !channel) {
    state.stats.refused++;
    throw hec(400, 'Data channel is missing', 10);
  }
  const text = raw.toString('utf8');
  if (!text.trim()) {
    state.stats.refused++;
    throw hec(400, 'No data', 5);
  }
  let envelopes: unknown[];
  try {
    envelopes = splitEvents(text);
  } catch (e) {
    state.stats.refused++;
    throw hec(400, 'Invalid data format', 6, { 'invalid-event-number': (e as { index?: number }).index ?? 0 });
  }
  const allowed = auth.opts.indexes ?? [];
  const accepted: SplunkEvent[] = [];
  // HEC checks the whole request before indexing any of it: one bad event refuses the batch.
  for (let i = 0; i < envelopes.length; i++) {
    const env = envelopes[i];
    if (!env || typeof env !== 'object' || Array.isArray(env) || !('event' in env)) {
      state.stats.refused++;
      throw hec(400, 'Event field is required', 12, { 'invalid-event-number': i });
    }
    const ev = (env as { event: unknown }).event;
    if (ev === null || ev === '' || (typeof ev === 'object' && !Array.isArray(ev) && Object.keys(ev).length === 0)) {
      state.stats.refused++;
      throw hec(400, 'Event field cannot be blank', 13, { 'invalid-event-number': i });
    }
    const given = (env as { index?: unknown }).index;
    const index = typeof given === 'string' ? given : (allowed[0] ?? 'main');
    if (allowed.length && !allowed.includes(index)) {
      state.stats.refused++;
      throw hec(400, 'Incorrect index', 7, { 'invalid-event-number': i });
    }
    accepted.push({ token: auth.token, index, envelope: env as Record<string, unknown> });
  }
  for (const a of accepted) state.events.push(a);
  state.bodies.push(text);
  if (state.bodies.length > 200) state.bodies.splice(0, state.bodies.length - 100);
  state.stats.accepted += accepted.length;
  if (auth.opts.ack) return sendJson(res, 200, { text: 'Success', code: 0, ackId: state.ackId(channel!, auth.opts.ackDelayMs ?? 0) });
  sendJson(res, 200, { text: 'Success', code: 0 });
}

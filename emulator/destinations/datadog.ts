// Datadog Logs intake, API v2: POST /api/v2/logs with `DD-API-KEY`, a JSON log or array of logs,
// 202 `{}` when accepted; per request at most 5 MB uncompressed and 1,000 entries (413 past
// either), a log over 1 MB truncated; errors as `{errors: [{status, title, detail}]}`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http';
import { header, jsonError, sendJson } from './common';

export const DATADOG_MAX_PAYLOAD = 5 * 1000 * 1000;
export const DATADOG_MAX_ENTRIES = 1000;
export const DATADOG_MAX_LOG = 1000 * 1000;
const MAX_AGE_MS = 18 * 3600 * 1000;

export interface DatadogLog {
  apiKey: string;
  log: Record<string, unknown>;
  /** Dated more than 18 h in the past: Datadog accepts but does not keep it. */
  tooOld: boolean;
}

export class DatadogState {
  readonly apiKeys = new Set<string>();
  logs: DatadogLog[] = [];
  bodies: string[] = [];
  /** The next `throttled` requests get 429 with `Retry-After: retryAfterSec`, as the intake's rate limit answers. */
  throttled = 0;
  retryAfterSec = 1;
  stats = { requests: 0, accepted: 0, refused: 0, unauthorized: 0, truncated: 0, tooOld: 0 };
  addApiKey(key: string): void {
    this.apiKeys.add(key);
  }
  summary() {
    return { logs: this.logs.length, ...this.stats };
  }
  received(apiKey: string): Array<Record<string, unknown>> {
    return this.logs.filter((l) => l.apiKey === apiKey).map((l) => l.log);
  }
}

const ddError = (status: number, title: string, detail: string) =>
  jsonError(status, { errors: [{ status: String(status), title, detail }] });

export async function handleDatadog(state: DatadogState, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (path !== '/api/v2/logs') throw ddError(404, 'Not Found', 'use POST /api/v2/logs');
  if (req.method !== 'POST') throw ddError(405, 'Method Not Allowed', 'use POST');
  state.stats.requests++;
  const key = header(req, 'dd-api-key');
  if (!key) {
    state.stats.unauthorized++;
    req.resume();
    throw ddError(401, 'Unauthorized', 'API key is missing');
  }
  if (!state.apiKeys.has(key)) {
    state.stats.unauthorized++;
    req.resume();
    throw ddError(403, 'Forbidden', 'API key is invalid');
  }
  if (state.throttled > 0) {
    state.throttled--;
    state.stats.refused++;
    req.resume();
    throw jsonError(
      429,
      { errors: [{ status: '429', title: 'Too Many Requests', detail: 'rate limit exceeded, retry later' }] },
      { 'retry-after': String(state.retryAfterSec) },
    );
  }
  const raw = await readBody(req, 100 * 1024 * 1024);
  if (raw.length > DATADOG_MAX_PAYLOAD) {
    state.stats.refused++;
    throw ddError(413, 'Payload Too Large', `payload of ${raw.length} bytes is above the 5MB limit`);
  }
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    state.stats.refused++;
    throw ddError(400, 'Bad Request', 'the payload is not valid JSON');
  }
  const items = Array.isArray(v) ? v : [v];
  if (items.length > DATADOG_MAX_ENTRIES) {
    state.stats.refused++;
    throw ddError(413, 'Payload Too Large', `${items.length} logs in one array is above the limit of 1000`);
  }
  if (!items.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
    state.stats.refused++;
    throw ddError(400, 'Bad Request', 'each log must be a JSON object');
  }
  const cutoff = Date.now() - MAX_AGE_MS;
  for (const item of items as Array<Record<string, unknown>>) {
    let log = item;
    if (Buffer.byteLength(JSON.stringify(item)) > DATADOG_MAX_LOG) {
      state.stats.truncated++;
      log = { ...item, message: String(item.message ?? '').slice(0, 1000), truncated: true };
    }
    const t = Date.parse(String(item.date ?? item.timestamp ?? ''));
    const tooOld = Number.isFinite(t) && t < cutoff;
    if (tooOld) state.stats.tooOld++;
    state.logs.push({ apiKey: key, log, tooOld });
  }
  state.bodies.push(raw.toString('utf8'));
  if (state.bodies.length > 200) state.bodies.splice(0, state.bodies.length - 100);
  state.stats.accepted += items.length;
  sendJson(res, 202, {});
}

/**
 * The webtask calls the browse/inspect/invoke features need, as the protocol doc describes them
 * (list with offset/limit and repeated meta, cross-container list, get v2, tokens/inspect v1, run).
 * Tokens stay here and in client.ts: callers get records whose `token` they must not pass on.
 */
import { HostError } from '../util/errors';
import { WebtaskClient, type RawResponse } from './client';
import { decodeForDisplay } from './text';

export interface WireWebtask {
  container?: string;
  name: string;
  token?: string;
  meta?: Record<string, string>;
  webtask_url?: string;
  code?: string | null;
}

const enc = encodeURIComponent;

/** Parses a JSON answer from raw bytes; invalid UTF-8 is tolerated (U+FFFD) and reported. */
export function parseJsonBody(res: RawResponse, what: string): { value: unknown; notUtf8: boolean } {
  if (res.status >= 400) throw WebtaskClient.statusError(res, what);
  const { text, notUtf8 } = decodeForDisplay(res.body);
  try {
    return { value: JSON.parse(text), notUtf8 };
  } catch {
    throw new HostError('bad_response', `The cluster answered ${what} with something that is not JSON (${res.body.length} bytes, ${res.headers['content-type'] ?? 'no content type'}).`);
  }
}

function asList(value: unknown, what: string): WireWebtask[] {
  if (!Array.isArray(value)) throw new HostError('bad_response', `The cluster answered ${what} with JSON that is not a list of webtasks.`);
  const out: WireWebtask[] = [];
  for (const item of value) {
    if (!item || typeof item !== 'object' || typeof (item as { name?: unknown }).name !== 'string') {
      throw new HostError('bad_response', `The cluster answered ${what} with a list item that has no name.`);
    }
    const w = item as Record<string, unknown>;
    out.push({
      name: w.name as string,
      container: typeof w.container === 'string' ? w.container : undefined,
      token: typeof w.token === 'string' ? w.token : undefined,
      meta: stringRecord(w.meta),
      webtask_url: typeof w.webtask_url === 'string' ? w.webtask_url : undefined,
    });
  }
  return out;
}

export function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** One protocol page of a container. `offset=0` is never sent, as `wt ls` does. */
export async function listPage(client: WebtaskClient, container: string, opts: { offset: number; limit: number; meta?: string[] }, signal?: AbortSignal): Promise<WireWebtask[]> {
  const what = `listing container "${container}"`;
  const res = await client.raw('GET', `/api/webtask/${enc(container)}`, {
    query: { offset: opts.offset > 0 ? opts.offset : undefined, limit: opts.limit, meta: opts.meta?.length ? opts.meta : undefined },
    headers: { accept: 'application/json' },
    signal,
  });
  return asList(parseJsonBody(res, what).value, what);
}

/** One page of the cross-container list (needs the master token). */
export async function listAcrossPage(client: WebtaskClient, opts: { offset: number; limit: number }): Promise<WireWebtask[]> {
  const what = 'listing webtasks across containers';
  const res = await client.raw('GET', '/api/webtask', {
    query: { offset: opts.offset > 0 ? opts.offset : undefined, limit: opts.limit },
    headers: { accept: 'application/json' },
  });
  return asList(parseJsonBody(res, what).value, what);
}

export interface FetchedWebtask {
  record: Record<string, unknown>;
  notUtf8: boolean;
}

/** `GET /api/webtask/{c}/{n}` (with decrypt/fetch_code when asked: the v2 path). */
export async function getWebtask(client: WebtaskClient, container: string, name: string, opts: { decrypt?: boolean; fetchCode?: boolean } = {}): Promise<FetchedWebtask> {
  const what = `reading extension "${name}" of "${container}"`;
  const res = await client.raw('GET', `/api/webtask/${enc(container)}/${enc(name)}`, {
    query: { decrypt: opts.decrypt || undefined, fetch_code: opts.fetchCode || undefined },
    headers: { accept: 'application/json' },
  });
  const { value, notUtf8 } = parseJsonBody(res, what);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HostError('bad_response', `The cluster answered ${what} with JSON that is not a webtask.`);
  return { record: value as Record<string, unknown>, notUtf8 };
}

/** The v1 path of `wt inspect`: `GET /api/tokens/inspect?token=T&decrypt&fetch_code&meta=1`. */
export async function inspectToken(client: WebtaskClient, token: string, opts: { decrypt?: boolean; fetchCode?: boolean } = {}): Promise<FetchedWebtask> {
  const what = 'inspecting the extension token';
  const res = await client.raw('GET', '/api/tokens/inspect', {
    query: { token, decrypt: opts.decrypt || undefined, fetch_code: opts.fetchCode || undefined, meta: 1 },
    headers: { accept: 'application/json' },
  });
  const { value, notUtf8 } = parseJsonBody(res, what);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HostError('bad_response', `The cluster answered ${what} with JSON that is not a set of claims.`);
  return { record: value as Record<string, unknown>, notUtf8 };
}

export interface RunRequest {
  method: string;
  path: string;
  query: Array<{ name: string; value: string }>;
  headers: Array<{ name: string; value: string }>;
  body?: string;
  withProfileToken: boolean;
}

export const runPath = (container: string, name: string, path: string) => `/api/run/${enc(container)}/${enc(name)}${path}`;

/** Calls an extension through `/api/run`; any status is returned, only transport failures throw. */
export async function runWebtask(client: WebtaskClient, container: string, name: string, req: RunRequest): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  for (const h of req.headers) headers[h.name.toLowerCase()] = h.value;
  const query: Record<string, string[]> = {};
  for (const q of req.query) (query[q.name] ??= []).push(q.value);
  return client.raw(req.method, runPath(container, name, req.path), {
    query,
    headers,
    body: req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD' ? req.body : undefined,
    auth: req.withProfileToken,
  });
}

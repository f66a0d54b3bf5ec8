/**
 * The webtask calls the browse/inspect/invoke features need, as the protocol doc describes them
 * (list with offset/limit and repeated meta, cross-container list, get v2, tokens/inspect v1, run).
 * Tokens stay here and in client.ts: callers get records whose `token` they must not pass on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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
    throw new HostError(
      'bad_response',
      `The cluster answered ${what} with something that is not JSON (${res.body.length} bytes, ${res.headers['content-type'] ?? 'no content type'}).`,
    );
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
export async function listPage(
  client: WebtaskClient,
  container: string,
  opts: { offset: number; limit: number; meta?: string[] },
  signal?: AbortSignal,
): Promise<WireWebtask[]> {
  const what = `listing container "${container}"`;
  const path = `/api/webtask/${enc(container)}`;
  const query = { offset: opts.offset > 0 ? opts.offset : undefined, limit: opts.limit, meta: opts.meta?.length ? opts.meta : undefined };
  const tap = listTap.getStore();
  const base = { url: client.buildUrl(path, query).toString(), offset: opts.offset, limit: opts.limit };
  let res: RawResponse;
  try {
    res = await client.raw('GET', path, { query, headers: { accept: 'application/json' }, signal });
  } catch (e) {
    tap?.push({ ...base, size: 0, elapsedMs: 0, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  tap?.push({ ...base, status: res.status, body: res.body, size: res.body.length, elapsedMs: res.elapsedMs });
  return asList(parseJsonBody(res, what).value, what);
}

// Container pages are recorded only inside `withListTap` (the diagnostics log's extension discovery):
// a listing is not tied to one client the log could ask, as a discovery is.
const listTap = new AsyncLocalStorage<ListExchange[]>();

/** Runs `fn` and returns the container pages it read, raw (tokens included: redact before keeping). */
export async function withListTap<T>(fn: () => Promise<T>): Promise<{ pages: ListExchange[]; value?: T; error?: unknown }> {
  const pages: ListExchange[] = [];
  try {
    return { pages, value: await listTap.run(pages, fn) };
  } catch (error) {
    return { pages, error };
  }
}

/** One list page as it crossed the wire: what the diagnostics log keeps of a discovery call. */
export interface ListExchange {
  url: string;
  offset: number;
  limit: number;
  status?: number;
  body?: Buffer;
  /** The body was dropped: the client read more than TAP_BUDGET_BYTES of pages. */
  bodyDropped?: boolean;
  size: number;
  elapsedMs: number;
  error?: string;
}

// Each discovery uses a client of its own (clientFor makes one per call), so the pages a client read
// are exactly one discovery's: kept beside the client, read once by the diagnostics log, and garbage
// collected with the client. Bounded, as a long scan may read many pages through one client.
const acrossExchanges = new WeakMap<WebtaskClient, { list: ListExchange[]; bytes: number }>();
const TAP_BUDGET_BYTES = 64 * 1024 * 1024;

function tapAcross(client: WebtaskClient, x: ListExchange): void {
  let t = acrossExchanges.get(client);
  if (!t) acrossExchanges.set(client, (t = { list: [], bytes: 0 }));
  if (x.body && t.bytes + x.body.length > TAP_BUDGET_BYTES) x = { ...x, body: undefined, bodyDropped: true };
  t.bytes += x.body?.length ?? 0;
  t.list.push(x);
}

/** The cross-container pages this client read (raw, tokens included: redact before keeping), and forgets them. */
export function takeAcrossExchanges(client: WebtaskClient): ListExchange[] {
  const t = acrossExchanges.get(client);
  acrossExchanges.delete(client);
  return t?.list ?? [];
}

/** One page of the cross-container list (needs the master token). */
export async function listAcrossPage(client: WebtaskClient, opts: { offset: number; limit: number }): Promise<WireWebtask[]> {
  const what = 'listing webtasks across containers';
  const query = { offset: opts.offset > 0 ? opts.offset : undefined, limit: opts.limit };
  const base = { url: client.buildUrl('/api/webtask', query).toString(), offset: opts.offset, limit: opts.limit };
  const started = performance.now();
  let res: RawResponse;
  try {
    res = await client.raw('GET', '/api/webtask', { query, headers: { accept: 'application/json' } });
  } catch (e) {
    tapAcross(client, { ...base, size: 0, elapsedMs: performance.now() - started, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  tapAcross(client, { ...base, status: res.status, body: res.body, size: res.body.length, elapsedMs: res.elapsedMs });
  return asList(parseJsonBody(res, what).value, what);
}

export interface FetchedWebtask {
  record: Record<string, unknown>;
  notUtf8: boolean;
}

/** `GET /api/webtask/{c}/{n}` (with decrypt/fetch_code when asked: the v2 path). */
export async function getWebtask(
  client: WebtaskClient,
  container: string,
  name: string,
  opts: { decrypt?: boolean; fetchCode?: boolean } = {},
): Promise<FetchedWebtask> {
  const what = `reading extension "${name}" of "${container}"`;
  const res = await client.raw('GET', `/api/webtask/${enc(container)}/${enc(name)}`, {
    query: { decrypt: opts.decrypt || undefined, fetch_code: opts.fetchCode || undefined },
    headers: { accept: 'application/json' },
  });
  const { value, notUtf8 } = parseJsonBody(res, what);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HostError('bad_response', `The cluster answered ${what} with JSON that is not a webtask.`);
  return { record: value as Record<string, unknown>, notUtf8 };
}

/** The v1 path of `wt inspect`: `GET /api/tokens/inspect?token=T&decrypt&fetch_code&meta=1`. */
export async function inspectToken(
  client: WebtaskClient,
  token: string,
  opts: { decrypt?: boolean; fetchCode?: boolean } = {},
): Promise<FetchedWebtask> {
  const what = 'inspecting the extension token';
  const res = await client.raw('GET', '/api/tokens/inspect', {
    query: { token, decrypt: opts.decrypt || undefined, fetch_code: opts.fetchCode || undefined, meta: 1 },
    headers: { accept: 'application/json' },
  });
  const { value, notUtf8 } = parseJsonBody(res, what);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HostError('bad_response', `The cluster answered ${what} with JSON that is not a set of claims.`);
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

/** Where an extension runs: the token, when sent, goes to this path and below, nowhere else. */
export const runBase = (container: string, name: string) => `/api/run/${enc(container)}/${enc(name)}`;

// Characters a path segment may hold literally (RFC 3986 sub-delims, ":" and "@"); encodeURIComponent escapes some.
const KEEP_LITERAL = /%(21|24|26|27|28|29|2A|2B|2C|3A|3B|3D|40)/gi;
const encodeSegment = (s: string) => encodeURIComponent(s).replace(KEEP_LITERAL, (m) => decodeURIComponent(m));
/** Layers of percent-encoding looked through: enough for any double or triple encoding a proxy would undo. */
const MAX_DECODE_LAYERS = 4;

function refusePath(path: string, why: string): never {
  throw new HostError(
    'invalid_input',
    `Refused path ${JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)}: ${why}. The call stays inside the extension; nothing was sent.`,
  );
}

/**
 * The path under an extension, from what the user typed: split on "/", each segment decoded once (what
 * the user meant), checked, and encoded again. A segment that climbs or smuggles at any layer of
 * encoding ("..", ".", "%2e%2e", "%2f", "%5c", a backslash, "%252e%252e", NUL or another control
 * character) is refused: URL parsers and proxies resolve those, and the request would leave
 * `/api/run/{container}/{name}` with whatever credential it carries.
 */
export function runSubPath(path: string): string {
  if (path === '') return '';
  if (!path.startsWith('/')) refusePath(path, 'it must start with "/"');
  const out: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    if (raw.includes('\\')) refusePath(path, 'it holds a backslash, which some servers read as "/"');
    let layer = raw;
    let first: string | undefined;
    for (let i = 0; ; i++) {
      if (layer === '.' || layer === '..')
        refusePath(
          path,
          `the segment "${raw}" is the dot segment "${layer}", which URL parsers resolve: it would climb out of the extension`,
        );
      if (i > 0 && /[/\\]/.test(layer))
        refusePath(path, `the segment "${raw}" decodes to a "/" or "\\", which would climb out of the extension`);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(layer)) refusePath(path, `the segment "${raw}" holds a NUL or another control character`);
      if (!/%[0-9a-f]{2}/i.test(layer)) break;
      if (i === MAX_DECODE_LAYERS) refusePath(path, `the segment "${raw}" is encoded more than ${MAX_DECODE_LAYERS} times over`);
      try {
        layer = decodeURIComponent(layer);
      } catch {
        refusePath(path, `the segment "${raw}" has a malformed %-escape`);
      }
      first ??= layer;
    }
    out.push(encodeSegment(first ?? raw));
  }
  return `/${out.join('/')}`;
}

/** The full run path; throws a clear `invalid_input` for a path that would leave the extension. */
export const runPath = (container: string, name: string, path: string) => `${runBase(container, name)}${runSubPath(path)}`;

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
    // The client checks the final URL too: the token never leaves /api/run/{container}/{name}.
    authScope: runBase(container, name),
  });
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error the cluster answers with `{code, message, req_id}` and HTTP status = code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const reqIds = new WeakMap<IncomingMessage, string>();
export function reqId(req: IncomingMessage): string {
  let id = reqIds.get(req);
  if (!id) {
    id = randomBytes(8).toString('hex');
    reqIds.set(req, id);
  }
  return id;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { code: status, message, req_id: reqId(req) }, headers);
}

/**
 * Reads a request body up to `limit` bytes. Beyond the limit the rest is drained (not buffered) so
 * the client still gets a clean 413 instead of a broken pipe.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    let drained = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (over || size > limit) {
        over = true;
        chunks.length = 0;
        drained += c.length;
        // Past 64 MiB of junk we stop being polite and drop the connection.
        if (drained > 64 * 1024 * 1024) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over)
        reject(
          new ApiError(
            413,
            `request body too large: ${Number.isFinite(declared) ? declared : size} bytes exceeds the limit of ${limit} bytes`,
          ),
        );
      else resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `malformed JSON body: ${(err as Error).message}`);
  }
}

/** A request body that must be a JSON object; `shape` tells the caller what one looks like (400 otherwise). */
export async function readJsonObject(req: IncomingMessage, limit: number, shape: string): Promise<Record<string, unknown>> {
  const body = await readJson(req, limit);
  if (!isRecord(body)) throw new ApiError(400, shape);
  return body;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a `{string: string}` map (secrets, meta). */
export function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw new ApiError(400, `${what} must be an object of string values`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new ApiError(400, `${what}.${k} must be a string`);
    out[k] = val;
  }
  return out;
}

export function truthy(v: string | null): boolean {
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** offset/limit query parameters, validated. */
export function paging(url: URL, defLimit = 100, maxLimit = 1000): { offset: number; limit: number } {
  const num = (name: string, def: number): number => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return def;
    if (!/^\d+$/.test(raw)) throw new ApiError(400, `${name} must be a non-negative integer, got "${raw.slice(0, 40)}"`);
    return Number(raw);
  };
  const offset = num('offset', 0);
  const limit = num('limit', defLimit);
  if (limit < 1 || limit > maxLimit) throw new ApiError(400, `limit must be between 1 and ${maxLimit}, got ${limit}`);
  return { offset, limit };
}

/** Repeated `meta=k:v` parameters, ANDed. */
export function metaFilter(url: URL): Array<[string, string]> {
  return url.searchParams.getAll('meta').map((m) => {
    const i = m.indexOf(':');
    if (i <= 0) throw new ApiError(400, `meta filter must be key:value, got "${m.slice(0, 80)}"`);
    return [m.slice(0, i), m.slice(i + 1)] as [string, string];
  });
}

export function matchesMeta(meta: Record<string, string> | undefined, filter: Array<[string, string]>): boolean {
  for (const [k, v] of filter) if (!meta || meta[k] !== v) return false;
  return true;
}

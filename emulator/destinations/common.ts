import type { IncomingMessage, ServerResponse } from 'node:http';

/** A destination-shaped error answer: each API has its own body format. */
export class DestError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(body);
  }
}

export const jsonError = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new DestError(status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', ...headers });

export function send(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', ...headers });
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parseBasic(req: IncomingMessage): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header(req, 'authorization') ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** Keeps the last `max` items of an ever-growing record for the GET inspection endpoint. */
export function tail<T>(xs: T[], max = 100): T[] {
  return xs.slice(Math.max(0, xs.length - max));
}

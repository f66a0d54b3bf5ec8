/**
 * What to do with the server's answer to a log-stream request before a byte of it is parsed as events:
 * a `200 text/event-stream` goes on; 401/403/404 and anything that is not an event stream (a proxy's
 * HTML page, a wrong URL, a redirect) stop the tail with words naming what the server sent; 5xx, 408
 * and 429 are worth another try later (with the server's Retry-After). Stopping rather than
 * reconnecting is what keeps a console from hammering a server that will never answer with logs.
 */
import type { Readable } from 'node:stream';
import { inert } from './sanitize';

/** The answer as `WebtaskClient.openLogStream` gives it (the token stayed in the client). */
export interface StreamAnswer {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

export type Outcome = { kind: 'fatal'; reason: string } | { kind: 'retry'; reason: string; retryAfterMs?: number; clean?: boolean };

/** Text that may quote a request goes through this before anyone sees it. */
export type Scrub = (text: string) => string;

/** How much of a wrong answer is read for the message, and for how long (a stalled body must not hang the tail). */
const EXCERPT_READ_BYTES = 64 * 1024;
const EXCERPT_READ_MS = 2_000;
const EXCERPT_CHARS = 160;

export const isEventStream = (a: StreamAnswer): boolean =>
  a.status === 200 && /^\s*text\/event-stream\b/i.test(a.headers['content-type'] ?? '');

/** Judges an answer that is not an event stream; reads (a bounded part of) its body and closes it. */
export async function judgeAnswer(a: StreamAnswer, container: string, scrub: Scrub): Promise<Outcome> {
  const text = await readSome(a.body, EXCERPT_READ_BYTES, EXCERPT_READ_MS);
  const type = a.headers['content-type']?.split(';')[0]?.trim() || 'no content type';
  const said = quote(serverMessage(text) ?? excerpt(text), scrub);
  const status = a.status;
  if (status === 401)
    return { kind: 'fatal', reason: `The cluster refused the token (HTTP 401${said ? `: ${said}` : ''}). Check the profile's token.` };
  if (status === 403)
    return { kind: 'fatal', reason: `The token may not read the logs of container "${container}" (HTTP 403${said ? `: ${said}` : ''}).` };
  if (status === 404)
    return {
      kind: 'fatal',
      reason: `No log stream for container "${container}" on this cluster (HTTP 404${said ? `: ${said}` : ''}). Check the container name.`,
    };
  if (status >= 500 || status === 408 || status === 429) {
    const retryAfter = Number(a.headers['retry-after']);
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 10 * 60_000) : undefined;
    return { kind: 'retry', reason: `The cluster answered HTTP ${status}${said ? `: ${said}` : ''}.`, retryAfterMs };
  }
  // 200 with another type, a redirect, any other status: no retry will turn it into logs.
  return {
    kind: 'fatal',
    reason: `The server answered HTTP ${status} with ${type} instead of an event stream${said ? ` (${said})` : ''}: a proxy or a wrong URL? Check the profile's URL.`,
  };
}

function serverMessage(text: string): string | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const j = JSON.parse(text) as { message?: unknown; error?: unknown };
    return typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : undefined;
  } catch {
    return undefined;
  }
}

const excerpt = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Redacted first (a cut must not leave half a token), then made inert, then cut. */
function quote(text: string, scrub: Scrub): string {
  if (!text) return '';
  const safe = inert(scrub(text));
  return `"${safe.length > EXCERPT_CHARS ? `${safe.slice(0, EXCERPT_CHARS)}…` : safe}"`;
}

/** Up to `maxBytes` of a body, within `ms`; the body is destroyed afterwards whatever happened. */
function readSome(body: Readable, maxBytes: number, ms: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      body.off('data', onData);
      body.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= maxBytes) finish();
    };
    const timer = setTimeout(finish, ms);
    timer.unref();
    body.on('data', onData);
    body.once('end', finish);
    body.once('close', finish);
    body.once('error', finish);
  });
}

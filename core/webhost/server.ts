/**
 * The browser host: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * Three locks, each with a test: a per-launch random secret (sent as a WebSocket subprotocol, so it
 * never appears in a URL the server sees), the Host header (DNS rebinding), and the Origin header
 * (other sites in the same browser).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Result } from '../../common/contract';
import { contentSecurityPolicy, NONCE_PLACEHOLDER } from '../../common/csp';
import { MAX_FRAME_BYTES, MAX_FRAME_DEPTH, PROTOCOL, RequestFrame, SECRET_PREFIX, FrameId, type ServerFrame } from '../../common/wire';
import { createSession, type Host } from '../host';
import { describeIssues } from '../util/errors';

export { PROTOCOL, SECRET_PREFIX } from '../../common/wire';

export interface WebHostOptions {
  host: Host;
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  secret?: string;
  /** Where failures that reach no caller are written (default: stderr). */
  log?: (line: string) => void;
}

export interface WebHost {
  url: string;
  port: number;
  secret: string;
  /** What the user opens: the secret rides in the fragment, which browsers never send to the server. */
  launchUrl: string;
  sessions(): number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Is a parsed JSON value nested deeper than `limit`? Walked without recursion, so no frame can overflow the stack here. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

export type FrameCheck = { ok: true; frame: RequestFrame } | { ok: false; id: number | null; message: string };

/**
 * One text frame to a request, or why not in words (with the id to answer, when the frame carried a
 * usable one). Never throws and never echoes the frame's content.
 */
export function parseRequestFrame(text: string): FrameCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, message: 'The message is not JSON.' };
  }
  const isRecord = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
  const idCheck = isRecord ? FrameId.safeParse((raw as Record<string, unknown>).id) : null;
  const id = idCheck?.success ? idCheck.data : null;
  if (nestsDeeperThan(raw, MAX_FRAME_DEPTH)) return { ok: false, id, message: `The message nests deeper than ${MAX_FRAME_DEPTH} levels.` };
  const parsed = RequestFrame.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      id,
      message: `The message is not a request {id, channel, input}: ${describeIssues(parsed.error.issues).replaceAll('\n', '; ')}`,
    };
  return { ok: true, frame: parsed.data };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const secret = opts.secret ?? randomBytes(24).toString('base64url');
  const nonce = randomBytes(18).toString('base64');
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const root = normalize(opts.staticDir);
  const sockets = new Set<WebSocket>();
  const write = opts.log ?? ((line: string) => console.error(line));
  // The host's own output is output too: it goes through the redactor like everything else.
  const log = (line: string) => write(opts.host.deps.redactor.strict(line));

  const refuse = (res: ServerResponse, status: number, why: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${why}\n`);
  };

  /**
   * The file a URL path names, only if its real path (symlinks resolved) lies inside the renderer
   * folder: a link placed in the folder must not serve what it points at outside.
   */
  async function fileInside(rel: string): Promise<string | null> {
    const file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) return null;
    try {
      const [realRoot, real] = await Promise.all([realpath(root), realpath(file)]);
      return real.startsWith(realRoot + sep) ? real : null;
    } catch {
      return null;
    }
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 403, 'Refused: unexpected Host header.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return refuse(res, 400, 'Bad request: the path is not valid percent-encoding.');
    }
    const rel = pathname === '/' ? 'index.html' : pathname.slice(1);
    const file = await fileInside(rel);
    const missing = rel === 'index.html' ? 'The renderer is not built: run `npm run build`.' : 'Not found.';
    if (!file) return refuse(res, 404, missing);
    try {
      const s = await stat(file);
      if (!s.isFile()) return refuse(res, 404, 'Not found.');
      const isHtml = extname(file) === '.html';
      const html = isHtml ? Buffer.from((await readFile(file, 'utf8')).replaceAll(NONCE_PLACEHOLDER, nonce)) : null;
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': html ? html.length : s.size,
        'content-security-policy': contentSecurityPolicy({
          nonce,
          connect: [`'self'`, `ws://127.0.0.1:${port}`, `ws://localhost:${port}`],
        }),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      if (html) return res.end(html);
      // pipeline, not pipe: a read error (file removed meanwhile) must end this response, not the process.
      await pipeline(createReadStream(file), res).catch(() => res.destroy());
    } catch {
      refuse(res, 404, missing);
    }
  }

  const server: Server = createServer((req, res) => {
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.destroy();
    });
  });
  server.on('error', (e) => log(`web host: server error: ${e.message}`));

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });

  function rejectUpgrade(socket: Duplex, status: number, why: string) {
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`,
    );
  }

  server.on('upgrade', (req, socket, head) => {
    // Node drops its own error listener from an upgraded socket: without this, a peer resetting
    // the connection while we refuse it would be an uncaught error.
    socket.on('error', () => socket.destroy());
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname !== '/api') return rejectUpgrade(socket, 403, 'Refused: unknown endpoint.');
    if (!allowedHosts().has(req.headers.host ?? '')) return rejectUpgrade(socket, 403, 'Refused: unexpected Host header.');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return rejectUpgrade(socket, 403, 'Refused: foreign Origin.');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    const given = offered.find((p) => p.startsWith(SECRET_PREFIX));
    if (!given) return rejectUpgrade(socket, 401, 'Refused: no launch secret.');
    if (!sameSecret(given.slice(SECRET_PREFIX.length), secret)) return rejectUpgrade(socket, 401, 'Refused: wrong launch secret.');
    if (!offered.includes(PROTOCOL)) return rejectUpgrade(socket, 403, 'Refused: unknown protocol.');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket) {
    sockets.add(ws);
    /** Every send goes through here: a payload that cannot be serialised is logged, not thrown into ws. */
    const send = (frame: ServerFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      let text: string;
      try {
        text = JSON.stringify(frame);
      } catch (e) {
        log(`web host: could not serialise a frame: ${e instanceof Error ? e.message : String(e)}`);
        if (!('id' in frame)) return;
        text = JSON.stringify({
          id: frame.id,
          result: { ok: false, error: { code: 'internal', message: 'The console produced an answer it could not send.' } },
        });
      }
      ws.send(text, (err) => {
        if (err) ws.terminate();
      });
    };
    const session = createSession(opts.host.deps, randomUUID(), (topic, payload) => send({ event: topic, payload }));
    const answer = (id: number | null, result: Result<unknown>) => send({ id, result });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return ws.close(1003, 'Binary frames are not accepted: send JSON text.');
      // Text frames arrive as one Buffer (ws already refused invalid UTF-8 with 1007 and oversize with 1009).
      const check = parseRequestFrame(
        Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
      );
      if (!check.ok) return answer(check.id, { ok: false, error: { code: 'invalid_input', message: check.message } });
      const { id, channel, input } = check.frame;
      // The dispatcher never throws by contract; this catch is the net under that promise.
      Promise.resolve()
        .then(() => opts.host.call(channel, input, session))
        .catch((e: unknown): Result<unknown> => {
          log(`web host: ${channel} failed outside the dispatcher: ${e instanceof Error ? e.message : String(e)}`);
          return { ok: false, error: { code: 'internal', message: `Unexpected error in ${channel}.` } };
        })
        .then((result) => answer(id, result))
        .catch((e: unknown) => log(`web host: could not answer ${channel}: ${e instanceof Error ? e.message : String(e)}`));
    });
    ws.on('close', () => {
      sockets.delete(ws);
      session.close();
    });
    // ws has already closed the socket with the right code (1007, 1009, protocol errors); make sure it is gone.
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    secret,
    launchUrl: `${url}/#${secret}`,
    sessions: () => sockets.size,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The browser host: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * Three locks, each with a test: a per-launch random secret (sent as a WebSocket subprotocol, so it
 * never appears in a URL the server sees), the Host header (DNS rebinding), and the Origin header
 * (other sites in the same browser).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createSession, type Host } from '../host';

export const PROTOCOL = 'esc.v1';
export const SECRET_PREFIX = 'secret.';
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface WebHostOptions {
  host: Host;
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  secret?: string;
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

export const NONCE_PLACEHOLDER = 'CSPNONCEPLACEHOLDER';

export function contentSecurityPolicy(port: number, nonce: string): string {
  return [
    "default-src 'none'",
    // A nonce plus strict-dynamic rather than 'self': only the entry script the host stamped runs.
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
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

  const refuse = (res: ServerResponse, status: number, why: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${why}\n`);
  };

  async function serveStatic(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 403, 'Refused: unexpected Host header.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = pathname === '/' ? 'index.html' : pathname.slice(1);
    const file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) return refuse(res, 404, 'Not found.');
    try {
      const s = await stat(file);
      if (!s.isFile()) return refuse(res, 404, 'Not found.');
      const isHtml = extname(file) === '.html';
      const html = isHtml ? Buffer.from((await readFile(file, 'utf8')).replaceAll(NONCE_PLACEHOLDER, nonce)) : null;
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': html ? html.length : s.size,
        'content-security-policy': contentSecurityPolicy(port, nonce),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      if (html) return res.end(html);
      createReadStream(file).pipe(res);
    } catch {
      refuse(res, 404, rel === 'index.html' ? 'The renderer is not built: run `npm run build`.' : 'Not found.');
    }
  }

  const server: Server = createServer((req, res) => {
    serveStatic(req, res).catch(() => refuse(res, 500, 'Internal error.'));
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });

  function rejectUpgrade(socket: Duplex, status: number, why: string) {
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`);
  }

  server.on('upgrade', (req, socket, head) => {
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
    const session = createSession(opts.host.deps, randomUUID(), (topic, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event: topic, payload }));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: { id?: unknown; channel?: unknown; input?: unknown };
      try {
        msg = JSON.parse(data.toString()) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ id: null, result: { ok: false, error: { code: 'invalid_input', message: 'The message is not JSON.' } } }));
        return;
      }
      const id = typeof msg.id === 'number' ? msg.id : null;
      void opts.host.call(msg.channel, msg.input, session).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
      });
    });
    ws.on('close', () => {
      sockets.delete(ws);
      session.close();
    });
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

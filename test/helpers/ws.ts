/** A test client for the browser host's WebSocket: the real `ws` client, with the launch secret, Origin and Host a page would send. */
import WebSocket from 'ws';
import { PROTOCOL, SECRET_PREFIX } from '../../common/wire';
import type { WebHost } from '../../core/webhost/server';

export interface Reply {
  id: number | null;
  result: { ok: boolean; data?: unknown; error?: { code: string; message: string } };
}

export interface HostSocket {
  ws: WebSocket;
  /** The next reply (events are skipped), or null when the socket closed first. */
  nextReply(): Promise<Reply | null>;
  /** Sends raw text (or bytes) as one frame and waits for the reply it causes. */
  exchange(frame: string | Buffer, opts?: { binary?: boolean }): Promise<Reply | null>;
  call(channel: string, input?: unknown): Promise<Reply['result']>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function openHostSocket(web: Pick<WebHost, 'port' | 'url' | 'secret'>): Promise<HostSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api`, [PROTOCOL, `${SECRET_PREFIX}${web.secret}`], { origin: web.url });
  const replies: Reply[] = [];
  const waiting: Array<(r: Reply | null) => void> = [];
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      isClosed = true;
      for (const w of waiting.splice(0)) w(null);
      resolve({ code, reason: reason.toString() });
    });
  });
  // A socket the host closes on purpose also reports an error on some paths; the close above says what happened.
  ws.on('error', () => undefined);
  ws.on('message', (raw: WebSocket.RawData) => {
    const msg = JSON.parse(raw.toString()) as Reply & { event?: string };
    if (typeof msg.event === 'string') return;
    const w = waiting.shift();
    if (w) w(msg);
    else replies.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const nextReply = () =>
    new Promise<Reply | null>((resolve) => {
      const r = replies.shift();
      if (r) resolve(r);
      else if (isClosed) resolve(null);
      else waiting.push(resolve);
    });
  let nextId = 1;
  return {
    ws,
    nextReply,
    exchange(frame, opts = {}) {
      ws.send(frame, { binary: opts.binary ?? false });
      return nextReply();
    },
    async call(channel, input = {}) {
      const id = 1_000_000 + nextId++;
      ws.send(JSON.stringify({ id, channel, input }));
      const r = await nextReply();
      if (!r) throw new Error(`the host closed the socket instead of answering ${channel}`);
      if (r.id !== id) throw new Error(`reply for id ${String(r.id)}, expected ${id}`);
      return r.result;
    },
    closed,
    close: () => ws.close(),
  };
}

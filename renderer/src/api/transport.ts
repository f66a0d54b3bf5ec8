/**
 * The renderer's only way out: `window.consoleApi` when the Electron preload provides it, otherwise a
 * WebSocket to the browser host carrying the same two verbs. Either way the shape is the contract's
 * ConsoleApi, so no feature knows which host it runs in.
 */
import type { ConsoleApi, EventPayload, Result, Topic } from '../../../common/contract';
import { PROTOCOL, SECRET_PREFIX, ServerFrame, type RequestFrame } from '../../../common/wire';

declare global {
  interface Window {
    consoleApi?: ConsoleApi;
  }
}

type Pending = { resolve: (r: Result<unknown>) => void };

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** WebSocket transport for the browser host. Reconnects after a drop; calls in flight then fail clearly. */
export class WebSocketApi implements ConsoleApi {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private opened: Promise<void> | null = null;
  private attempts = 0;
  state: ConnectionState = 'connecting';
  onState?: (s: ConnectionState, why?: string) => void;

  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  private connect(): Promise<void> {
    if (this.opened) return this.opened;
    this.opened = new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.url, [PROTOCOL, `${SECRET_PREFIX}${this.secret}`]);
      this.ws = ws;
      this.setState('connecting');
      ws.onopen = () => {
        this.attempts = 0;
        this.setState('open');
        resolve();
      };
      ws.onmessage = (ev: MessageEvent<string>) => this.receive(ev.data);
      ws.onclose = () => {
        const wasOpen = this.state === 'open';
        this.ws = null;
        this.opened = null;
        for (const [, p] of this.pending)
          p.resolve({ ok: false, error: { code: 'unreachable', message: 'Lost the connection to the console host; try again.' } });
        this.pending.clear();
        this.setState(
          'closed',
          wasOpen
            ? 'The console host closed the connection.'
            : 'Cannot connect to the console host (is it still running, and is the URL complete with its #secret?).',
        );
        if (!wasOpen) reject(new Error('connect failed'));
        // Bounded retries with backoff: a restarted host comes back with a new secret, so we stop eventually.
        if (this.attempts < 8) {
          const delay = Math.min(10_000, 250 * 2 ** this.attempts++);
          setTimeout(() => void this.connect().catch(() => undefined), delay);
        }
      };
    });
    return this.opened;
  }

  private setState(s: ConnectionState, why?: string) {
    this.state = s;
    this.onState?.(s, why);
  }

  private receive(text: string) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    // The same schema the host writes with: a frame of another shape is dropped, not half-read.
    const parsed = ServerFrame.safeParse(raw);
    if (!parsed.success) {
      // An answer we cannot read still ends its call, with words, rather than leaving it pending forever.
      const id = (raw as { id?: unknown } | null)?.id;
      const p = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (p && typeof id === 'number') {
        this.pending.delete(id);
        p.resolve({
          ok: false,
          error: {
            code: 'bad_response',
            message: 'The console host sent an answer of an unexpected shape (is the page from an older build?).',
          },
        });
      }
      return;
    }
    const msg = parsed.data;
    if ('event' in msg) {
      for (const fn of this.listeners.get(msg.event) ?? []) fn(msg.payload);
      return;
    }
    if (msg.id === null) return;
    const p = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    p?.resolve(msg.result);
  }

  async invoke(channel: string, input: unknown): Promise<Result<never>> {
    try {
      await this.connect();
    } catch {
      return { ok: false, error: { code: 'unreachable', message: 'Cannot connect to the console host; is it still running?' } };
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as (r: Result<unknown>) => void });
      const frame: RequestFrame = { id, channel, input };
      this.ws?.send(JSON.stringify(frame));
    });
  }

  subscribe<T extends Topic>(topic: T, onEvent: (payload: EventPayload<T>) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    const fn = onEvent as (p: unknown) => void;
    set.add(fn);
    void this.connect().catch(() => undefined);
    return () => set.delete(fn);
  }
}

export function createApi(): { api: ConsoleApi; ws?: WebSocketApi } {
  if (window.consoleApi) return { api: window.consoleApi };
  const secret = decodeURIComponent(location.hash.replace(/^#/, ''));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocketApi(`${scheme}//${location.host}/api`, secret);
  return { api: ws as unknown as ConsoleApi, ws };
}

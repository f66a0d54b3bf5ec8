/**
 * The live tail of one container: `GET /api/logs/tenant/{c}?key=...` as Server-Sent Events over
 * undici, parsed by eventsource-parser. What the public clients lack, this has: a silence timeout fed
 * by `event: ping`, reconnection with exponential backoff and jitter, `Last-Event-ID` resume where the
 * server offers ids, a visible gap marker where it does not (or where the ids jump), 401/403/404 that
 * stop with the server's reason instead of hammering it, and a bounded queue whose high mark pauses
 * reading the socket.
 *
 * The URL carries the token (the protocol's `?key=`): it is built here, used once per request, and no
 * message, status or line this module produces ever includes it.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { Agent, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { LogLine, LogState, LogStatus } from '../../common/contract/logs';
import { parseData } from './record';
import { BoundedQueue, defaultQueueLimits, type QueueLimits } from './queue';
import { inert } from './sanitize';

export interface LogStreamOptions {
  streamId: string;
  url: string;
  token: string;
  container: string;
  dispatcher?: Dispatcher;
  /** No byte (data or ping) for this long means the connection is dead: reconnect. */
  silenceTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Reconnect at once after a clean end of a long-lived stream (the server's 30-minute cut). */
  healthyAfterMs?: number;
  random?: () => number;
  queue?: Partial<QueueLimits>;
  maxDisplayChars?: number;
  /** A single SSE event larger than this is refused (the parser would otherwise buffer it all). */
  maxEventChars?: number;
  /** Lines kept whole for "save" (after they were handed to the consumer). */
  keptLines?: number;
  keptBytes?: number;
  onReadable?: () => void;
  onStatus?: (status: LogStatus) => void;
  statusIntervalMs?: number;
}

export interface QueuedLine {
  line: LogLine;
  full: string;
  bytes: number;
}

type Outcome = { kind: 'fatal'; reason: string } | { kind: 'retry'; reason: string; retryAfterMs?: number; clean?: boolean };

// One pool for every tail: a tail holds its connection for as long as it runs.
const streamAgent = new Agent({ keepAliveTimeout: 1_000, connections: 64, pipelining: 0 });

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection was closed by the server',
  UND_ERR_HEADERS_TIMEOUT: 'the server did not answer in time',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection was closed',
};

const isNumericId = (s: string | undefined): s is string => s !== undefined && /^\d{1,15}$/.test(s);

export class LogStream {
  readonly opts: Required<Pick<LogStreamOptions, 'silenceTimeoutMs' | 'connectTimeoutMs' | 'healthyAfterMs' | 'maxDisplayChars' | 'maxEventChars' | 'keptLines' | 'keptBytes' | 'statusIntervalMs'>> &
    LogStreamOptions;
  private readonly queue: BoundedQueue<QueuedLine>;
  private readonly kept: QueuedLine[] = [];
  private keptHead = 0;
  private keptBytes = 0;
  private keptDropped = 0;

  private state: LogState = 'connecting';
  private attempt = 0;
  private nextTryAt: number | undefined;
  private reason: string | undefined;
  private resume: boolean | null = null;
  private closed = false;
  private n = 0;
  private stats = { lines: 0, raw: 0, gaps: 0, missed: 0, connects: 0 };
  private rate = { lines: 0, at: Date.now(), perSec: 0 };

  private lastId: string | undefined;
  private lastTime: number | undefined;
  private checkResume = false;
  private disconnectedAt: number | undefined;
  private serverRetryMs: number | undefined;
  private lastCutClean = false;

  private current: AbortController | undefined;
  private body: Readable | undefined;
  private paused = false;
  private silence: NodeJS.Timeout | undefined;
  private onSilence: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusJson = '';
  private running: Promise<void> | undefined;
  /** Records' JSON goes into lines only while the pane pretty-prints (see `logs.options`). */
  withJson = false;

  constructor(opts: LogStreamOptions) {
    this.opts = {
      silenceTimeoutMs: 30_000,
      connectTimeoutMs: 15_000,
      healthyAfterMs: 5_000,
      maxDisplayChars: 16 * 1024,
      maxEventChars: 8 * 1024 * 1024,
      keptLines: 20_000,
      keptBytes: 64 * 1024 * 1024,
      statusIntervalMs: 1_000,
      ...opts,
    };
    this.queue = new BoundedQueue({ ...defaultQueueLimits, ...(opts.queue ?? {}) });
  }

  start(): void {
    if (this.running) return;
    this.statusTimer = setInterval(() => this.tickStatus(), this.opts.statusIntervalMs);
    this.statusTimer.unref();
    this.running = this.loop();
  }

  /** Stops for good; resolves once the connection is gone. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statusTimer);
    this.disarmSilence();
    this.current?.abort();
    this.body?.destroy();
    this.wake?.();
    this.setState('closed', undefined);
    await this.running;
  }

  /** Reconnects now: a stopped stream starts again, a waiting one skips the rest of its backoff. */
  retry(): void {
    if (this.closed) return;
    this.attempt = 0;
    this.wake?.();
  }

  get queued(): number {
    return this.queue.length;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Hands lines to the consumer (at least one when any wait); resumes the socket below the low mark. */
  take(maxBytes: number): QueuedLine[] {
    const out = this.queue.take(maxBytes);
    for (const q of out) this.keep(q);
    if (this.paused && this.queue.belowLow) this.resumeSocket();
    return out;
  }

  /** Everything kept, whole, one line each (NDJSON for records, the raw text otherwise). */
  keptText(): { text: string; lines: number; bytes: number; oldestDropped: number } {
    const parts: string[] = [];
    for (let i = this.keptHead; i < this.kept.length; i++) parts.push(this.kept[i]!.full);
    const text = parts.length ? `${parts.join('\n')}\n` : '';
    return { text, lines: parts.length, bytes: Buffer.byteLength(text), oldestDropped: this.keptDropped };
  }

  /** The JSON of kept records from line `from` on (those small enough to pretty-print). */
  keptRecords(from: number): Array<{ n: number; json: string }> {
    const out: Array<{ n: number; json: string }> = [];
    for (let i = this.keptHead; i < this.kept.length; i++) {
      const q = this.kept[i]!;
      if (q.line.kind === 'rec' && q.line.n >= from && q.full.length <= this.opts.maxDisplayChars) out.push({ n: q.line.n, json: q.full });
    }
    return out;
  }

  clearKept(): void {
    this.kept.length = 0;
    this.keptHead = 0;
    this.keptBytes = 0;
    this.keptDropped = 0;
  }

  status(): LogStatus {
    const s: LogStatus = {
      streamId: this.opts.streamId,
      container: this.opts.container,
      state: this.state,
      attempt: this.state === 'connected' ? 0 : this.attempt,
      resume: this.resume,
      lines: this.stats.lines,
      raw: this.stats.raw,
      dropped: this.queue.dropped,
      gaps: this.stats.gaps,
      missed: this.stats.missed,
      linesPerSec: this.rate.perSec,
      queued: this.queue.length,
      backpressure: this.paused,
      connects: this.stats.connects,
    };
    if (this.nextTryAt !== undefined && this.state === 'reconnecting') s.nextTryAt = this.nextTryAt;
    if (this.reason !== undefined) s.reason = this.reason;
    return s;
  }

  // ---- connection loop -------------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (!this.closed) {
      const started = Date.now();
      const outcome = await this.connectOnce();
      this.body = undefined;
      this.current = undefined;
      this.disarmSilence();
      if (this.closed) break;
      this.disconnectedAt ??= Date.now();
      if (outcome.kind === 'fatal') {
        this.attempt = 0;
        this.nextTryAt = undefined;
        this.pushInfo(`Stopped: ${outcome.reason}`);
        this.setState('stopped', outcome.reason);
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.lastCutClean = outcome.clean === true;
      const healthy = Date.now() - started >= this.opts.healthyAfterMs;
      if (healthy) this.attempt = 0;
      this.attempt++;
      // A long-lived stream that ended cleanly is the server's periodic cut: reconnect at once.
      const delay = healthy && outcome.clean && this.attempt === 1 ? 0 : this.backoffDelay(outcome.retryAfterMs);
      this.nextTryAt = Date.now() + delay;
      this.setState('reconnecting', outcome.reason);
      if (delay > 0) await this.sleep(delay);
      this.nextTryAt = undefined;
    }
  }

  private backoffDelay(retryAfterMs?: number): number {
    const initial = this.opts.backoff?.initialMs ?? this.serverRetryMs ?? 1_000;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    const exp = Math.min(max, initial * 2 ** Math.min(20, this.attempt - 1));
    // Equal jitter: never sooner than half the step, so many consoles do not reconnect in lockstep.
    const jittered = exp / 2 + (this.opts.random ?? Math.random)() * (exp / 2);
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  /** Never includes the URL (it holds the token): the host and our own words only. */
  private scrub(text: string): string {
    const { token } = this.opts;
    if (!token) return text;
    return text.split(token).join('[redacted]').split(encodeURIComponent(token)).join('[redacted]');
  }

  private async connectOnce(): Promise<Outcome> {
    const ac = new AbortController();
    this.current = ac;
    const base = this.opts.url.replace(/\/+$/, '');
    const target = `${base}/api/logs/tenant/${encodeURIComponent(this.opts.container)}?key=${encodeURIComponent(this.opts.token)}`;
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache', 'user-agent': 'extend-support-console' };
    if (this.lastId !== undefined && this.resume) headers['last-event-id'] = this.lastId;
    if (this.state !== 'reconnecting' && this.state !== 'connecting') this.setState('connecting', undefined);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(target, {
        method: 'GET',
        headers,
        signal: ac.signal,
        dispatcher: this.opts.dispatcher ?? streamAgent,
        headersTimeout: this.opts.connectTimeoutMs,
        bodyTimeout: 0, // silence is judged below, where pings count and a paused socket does not
      });
    } catch (err) {
      if (this.closed) return { kind: 'retry', reason: 'closed' };
      const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      const why = (code && NETWORK_REASONS[code]) ?? (code ? `network error ${code}` : 'network error');
      return { kind: 'retry', reason: `Cannot reach ${new URL(base).host}: ${why}.` };
    }
    if (res.statusCode !== 200) return this.statusOutcome(res);
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('text/event-stream')) {
      res.body.destroy();
      return { kind: 'retry', reason: `The server answered with ${type || 'no content type'} instead of an event stream.` };
    }
    return this.readEvents(res.body as unknown as Readable, ac);
  }

  private async statusOutcome(res: Dispatcher.ResponseData): Promise<Outcome> {
    let text = '';
    try {
      // The error body is small; refuse to read a huge one.
      for await (const chunk of res.body) {
        text += (chunk as Buffer).toString('utf8');
        if (text.length > 64 * 1024) break;
      }
    } catch {
      /* the message is a courtesy */
    }
    res.body.destroy();
    let serverMessage = '';
    try {
      const j = JSON.parse(text) as { message?: unknown; error?: unknown };
      serverMessage = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : '';
    } catch {
      serverMessage = '';
    }
    const said = serverMessage ? `: "${this.scrub(inert(serverMessage)).slice(0, 300)}"` : '';
    const c = this.opts.container;
    const status = res.statusCode;
    if (status === 401) return { kind: 'fatal', reason: `The cluster refused the token (HTTP 401${said}). Check the profile's token.` };
    if (status === 403) return { kind: 'fatal', reason: `The token may not read the logs of container "${c}" (HTTP 403${said}).` };
    if (status === 404) return { kind: 'fatal', reason: `No log stream for container "${c}" on this cluster (HTTP 404${said}). Check the container name.` };
    const retryAfter = Number(res.headers['retry-after']);
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 10 * 60_000) : undefined;
    return { kind: 'retry', reason: `The cluster answered HTTP ${status}${said}.`, retryAfterMs };
  }

  private readEvents(body: Readable, ac: AbortController): Promise<Outcome> {
    this.body = body;
    this.paused = false;
    this.checkResume = this.lastId !== undefined;
    const reconnected = this.stats.connects > 0;
    this.stats.connects++;
    // Without ids there is nothing to resume from: whatever was said meanwhile may be lost. Say so.
    // (A quiet stream that has shown no event yet, cut cleanly and reopened at once, lost nothing worth
    // a marker every 30 minutes.)
    const quietCut = this.resume === null && this.lastCutClean && this.disconnectedAt !== undefined && Date.now() - this.disconnectedAt < 1_000;
    if (reconnected && !this.resume && this.disconnectedAt !== undefined && !quietCut) this.pushGap(this.lastTime ?? this.disconnectedAt, Date.now(), null);
    this.disconnectedAt = undefined;
    this.attemptConnected();

    const decoder = new TextDecoder('utf-8'); // invalid UTF-8 becomes U+FFFD, shown as such
    let tooBig = false;
    const parser: EventSourceParser = createParser({
      maxBufferSize: this.opts.maxEventChars,
      onEvent: (ev) => this.onEvent(ev),
      onRetry: (ms) => {
        if (ms > 0 && ms <= 60_000) this.serverRetryMs = ms;
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') tooBig = true;
      },
    });

    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (o: Outcome) => {
        if (settled) return;
        settled = true;
        this.disarmSilence();
        body.destroy();
        resolve(o);
      };
      this.onSilence = () => {
        ac.abort();
        finish({ kind: 'retry', reason: `No data or keep-alive for ${Math.round(this.opts.silenceTimeoutMs / 1000)} s.` });
      };
      this.armSilence();
      body.on('data', (chunk: Buffer) => {
        if (settled) return;
        this.armSilence();
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (tooBig) {
          this.pushInfo(`An event larger than ${Math.round(this.opts.maxEventChars / 1048576)} MB was refused; reconnecting.`);
          finish({ kind: 'retry', reason: 'An event was too large.' });
          return;
        }
        this.opts.onReadable?.();
        if (!this.paused && this.queue.aboveHigh) this.pauseSocket();
      });
      body.once('end', () => finish({ kind: 'retry', reason: 'The server ended the stream.', clean: true }));
      body.once('error', (err: Error & { code?: string }) => {
        const why = (err.code && NETWORK_REASONS[err.code]) ?? 'the connection was lost';
        finish({ kind: 'retry', reason: this.closed ? 'closed' : `Disconnected: ${why}.` });
      });
      body.once('close', () => finish({ kind: 'retry', reason: 'Disconnected: the connection was closed.' }));
    });
  }

  private attemptConnected(): void {
    this.nextTryAt = undefined;
    this.setState('connected', undefined);
  }

  private pauseSocket(): void {
    this.paused = true;
    // We stopped reading on purpose: silence is ours, not the server's.
    this.disarmSilence();
    this.body?.pause();
    this.emitStatus();
  }

  private resumeSocket(): void {
    this.paused = false;
    this.body?.resume();
    if (this.body) this.armSilence();
    this.emitStatus();
  }

  private armSilence(): void {
    if (this.paused) return;
    if (this.silence) this.silence.refresh();
    else {
      this.silence = setTimeout(() => {
        this.silence = undefined;
        this.onSilence?.();
      }, this.opts.silenceTimeoutMs);
      this.silence.unref();
    }
  }

  private disarmSilence(): void {
    clearTimeout(this.silence);
    this.silence = undefined;
  }

  // ---- events -----------------------------------------------------------------------------------

  private onEvent(ev: EventSourceMessage): void {
    if (ev.event === 'ping') return; // keep-alive: it already refreshed the silence timer
    const parsed = ev.data === '' ? undefined : parseData(ev.data, ev.id || undefined, { maxDisplayChars: this.opts.maxDisplayChars, withJson: this.withJson });
    if (ev.id !== undefined && ev.id !== '') {
      this.resume = true;
      const prev = this.lastId;
      if (isNumericId(prev) && isNumericId(ev.id)) {
        const a = Number(prev);
        const b = Number(ev.id);
        if (b <= a) {
          // Seen already (a server replaying one too many), unless the server restarted and its ids
          // began again: then the record is newer than the last we saw, and anything may be lost.
          const t = parsed?.line.t;
          const replay = t !== undefined && this.lastTime !== undefined ? t <= this.lastTime : a - b < 1000;
          if (replay || !this.checkResume) return;
          this.pushGap(this.lastTime ?? this.disconnectedAt ?? Date.now(), Date.now(), null);
        } else if (b > a + 1) {
          this.pushGap(this.lastTime ?? Date.now(), parsed?.line.t ?? Date.now(), b - a - 1);
        }
      }
      this.checkResume = false;
      this.lastId = ev.id;
    } else if (this.resume === null) {
      this.resume = false;
    }
    if (!parsed) return;
    if (parsed.line.kind === 'raw') this.stats.raw++;
    this.lastTime = parsed.line.t ?? Date.now();
    this.stats.lines++;
    this.enqueue({ line: { ...parsed.line, n: ++this.n }, full: parsed.full, bytes: parsed.bytes });
  }

  private enqueue(q: QueuedLine): void {
    this.queue.push(q);
  }

  private pushGap(from: number, to: number, missed: number | null): void {
    this.stats.gaps++;
    if (missed !== null) this.stats.missed += missed;
    const span = `${new Date(from).toISOString()} → ${new Date(to).toISOString()}`;
    const msg = missed === null ? `Gap: the stream was interrupted (${span}); lines said meanwhile may be missing (the server offers no resume).` : `Gap: ${missed} line(s) missed (${span}).`;
    const line: LogLine = { n: ++this.n, kind: 'gap', msg, gap: { from, to, missed }, t: to };
    this.enqueue({ line, full: JSON.stringify({ gap: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), missed } }), bytes: msg.length + 64 });
    this.opts.onReadable?.();
  }

  private pushInfo(msg: string): void {
    const line: LogLine = { n: ++this.n, kind: 'info', msg: inert(msg), t: Date.now() };
    this.enqueue({ line, full: JSON.stringify({ console: msg }), bytes: msg.length + 32 });
    this.opts.onReadable?.();
  }

  private keep(q: QueuedLine): void {
    this.kept.push(q);
    this.keptBytes += q.full.length;
    while (this.kept.length - this.keptHead > this.opts.keptLines || this.keptBytes > this.opts.keptBytes) {
      const old = this.kept[this.keptHead];
      this.kept[this.keptHead++] = undefined as unknown as QueuedLine;
      if (old) this.keptBytes -= old.full.length;
      this.keptDropped++;
    }
    if (this.keptHead > 8192 && this.keptHead * 2 > this.kept.length) {
      this.kept.splice(0, this.keptHead);
      this.keptHead = 0;
    }
  }

  // ---- status -----------------------------------------------------------------------------------

  private setState(state: LogState, reason: string | undefined): void {
    this.state = state;
    this.reason = reason === undefined ? undefined : this.scrub(reason);
    this.emitStatus();
  }

  private tickStatus(): void {
    const now = Date.now();
    const dt = (now - this.rate.at) / 1000;
    if (dt > 0) this.rate.perSec = Math.round((this.stats.lines - this.rate.lines) / dt);
    this.rate = { lines: this.stats.lines, at: now, perSec: this.rate.perSec };
    this.emitStatus();
  }

  private emitStatus(): void {
    if (!this.opts.onStatus) return;
    const s = this.status();
    const json = JSON.stringify(s);
    if (json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    this.opts.onStatus(s);
  }
}

/**
 * The live tail of one container as Server-Sent Events: what the public clients lack, this has: a
 * silence timeout fed by `event: ping`, reconnection with exponential backoff and jitter,
 * `Last-Event-ID` resume where the server offers ids, a visible gap marker where it does not (or where
 * the ids jump), answers that are not an event stream stopping with the server's words instead of
 * hammering it (see answer.ts), oversized events skipped on the wire with a marker (see sse.ts), and
 * a bounded queue whose high mark pauses reading the socket.
 *
 * It never sees a token: `connect` (the webtask client's `openLogStream`) makes each request.
 */
import type { Readable } from 'node:stream';
import type { LogLine, LogState, LogStatus } from '../../common/contract/logs';
import { CORE_KEPT_BYTES, CORE_KEPT_LINES, DISPLAY_CUT_CHARS, MAX_EVENT_BYTES } from '../../common/logs-flow';
import { isEventStream, judgeAnswer, type Outcome, type StreamAnswer } from './answer';
import { KeptLines } from './kept';
import { parseData, type RecordOptions } from './record';
import { BoundedQueue, defaultQueueLimits, type QueueLimits } from './queue';
import { humanBytes, inert } from './sanitize';
import { SseReader, type SseEvent } from './sse';

/** Opens one request of the stream (resuming after `lastEventId` when given); rejects with words on a network failure. */
export type LogConnect = (opts: { lastEventId?: string; signal: AbortSignal }) => Promise<StreamAnswer>;

/** The redactor's two faces: known secrets (lines), and anything token-shaped too (messages). */
export interface TextRedactor {
  known(text: string): string;
  strict(text: string): string;
}

export interface LogStreamOptions {
  streamId: string;
  container: string;
  connect: LogConnect;
  redactor?: TextRedactor;
  /** No byte (data or ping) for this long means the connection is dead: reconnect. */
  silenceTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Reconnect at once after a clean end of a long-lived stream (the server's 30-minute cut). */
  healthyAfterMs?: number;
  random?: () => number;
  queue?: Partial<QueueLimits>;
  maxDisplayChars?: number;
  /** A single SSE event larger than this is skipped on the wire, with a marker saying how large it was. */
  maxEventBytes?: number;
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
  /** Arrival order across every stream of the process (a merged tail interleaves by it). */
  at?: number;
}

/** Stamps lines in the order they arrived, whichever stream read them (see core/logs/merge.ts). */
let arrivals = 0;

/** The last event id as a number when it is one (numeric ids are checked for replays and jumps). */
const numericId = (s: string): number | undefined => (/^\d{1,15}$/.test(s) ? Number(s) : undefined);

const noRedaction: TextRedactor = { known: (t) => t, strict: (t) => t };

export class LogStream {
  readonly opts: Required<
    Pick<
      LogStreamOptions,
      | 'silenceTimeoutMs'
      | 'healthyAfterMs'
      | 'maxDisplayChars'
      | 'maxEventBytes'
      | 'keptLines'
      | 'keptBytes'
      | 'statusIntervalMs'
      | 'redactor'
    >
  > &
    LogStreamOptions;
  private readonly queue: BoundedQueue<QueuedLine>;
  private readonly kept: KeptLines;

  private state: LogState = 'connecting';
  private attempt = 0;
  private nextTryAt: number | undefined;
  private reason: string | undefined;
  private resume: boolean | null = null;
  private closed = false;
  private n = 0;
  private stats = { lines: 0, raw: 0, gaps: 0, missed: 0, connects: 0, skipped: 0 };
  private rate = { lines: 0, at: Date.now(), perSec: 0 };

  private lastId: string | undefined;
  /** `lastId` as a number, when it is one (parsed once per event, not twice). */
  private lastNum: number | undefined;
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
  /** Sees every line as it is read, before the queue and the pane's flow control (a recording to disk). */
  recorder: { add(q: QueuedLine): void } | undefined;

  constructor(opts: LogStreamOptions) {
    this.opts = {
      silenceTimeoutMs: 30_000,
      healthyAfterMs: 5_000,
      maxDisplayChars: DISPLAY_CUT_CHARS,
      maxEventBytes: MAX_EVENT_BYTES,
      keptLines: CORE_KEPT_LINES,
      keptBytes: CORE_KEPT_BYTES,
      statusIntervalMs: 1_000,
      redactor: noRedaction,
      ...opts,
    };
    this.queue = new BoundedQueue({ ...defaultQueueLimits, ...(opts.queue ?? {}) });
    this.kept = new KeptLines(this.opts.keptLines, this.opts.keptBytes);
  }

  start(): void {
    if (this.running) return;
    this.statusTimer = setInterval(() => this.tickStatus(), this.opts.statusIntervalMs);
    this.statusTimer.unref();
    this.running = this.loop();
  }

  /**
   * Stops for good; resolves once the connection is gone. With a reason (the console was locked) the
   * last status says "stopped" and why, and the line that says so in the pane is returned (lines still
   * queued are dropped: nothing from the cluster flows after a lock).
   */
  async close(reason?: string): Promise<LogLine | undefined> {
    if (this.closed) return undefined;
    this.closed = true;
    clearInterval(this.statusTimer);
    this.disarmSilence();
    this.current?.abort();
    this.body?.destroy();
    this.wake?.();
    this.queue.clear();
    this.setState(reason ? 'stopped' : 'closed', reason);
    await this.running;
    return reason ? this.infoLine(`Stopped: ${reason}`) : undefined;
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
    for (const q of out) this.kept.add(q);
    if (this.paused && this.queue.belowLow) this.resumeSocket();
    return out;
  }

  /** When the oldest waiting line arrived (its `at`), for a merged tail to take lines in arrival order. */
  peekAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /** Hands one line to the consumer, as `take` does. */
  takeOne(): QueuedLine | undefined {
    const q = this.queue.shift();
    if (!q) return undefined;
    this.kept.add(q);
    if (this.paused && this.queue.belowLow) this.resumeSocket();
    return q;
  }

  /** Everything kept, whole, one line each (NDJSON for records, the raw text otherwise). */
  keptText(): { text: string; lines: number; bytes: number; oldestDropped: number } {
    return this.kept.text();
  }

  /** The JSON of kept records from line `from` on (those small enough to pretty-print). */
  keptRecords(from: number): Array<{ n: number; json: string }> {
    return this.kept.records(from, this.opts.maxDisplayChars);
  }

  clearKept(): void {
    this.kept.clear();
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
    if (this.stats.skipped) s.skipped = this.stats.skipped;
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

  private async connectOnce(): Promise<Outcome> {
    const ac = new AbortController();
    this.current = ac;
    if (this.state !== 'reconnecting' && this.state !== 'connecting') this.setState('connecting', undefined);
    let answer: StreamAnswer;
    try {
      answer = await this.opts.connect({
        signal: ac.signal,
        ...(this.lastId !== undefined && this.resume ? { lastEventId: this.lastId } : {}),
      });
    } catch (err) {
      if (this.closed) return { kind: 'retry', reason: 'closed' };
      return { kind: 'retry', reason: err instanceof Error ? err.message : 'network error' };
    }
    // First thing: a body nobody listens to must not take the process down when it is aborted.
    answer.body.on('error', () => undefined);
    if (this.closed) {
      answer.body.destroy();
      return { kind: 'retry', reason: 'closed' };
    }
    if (!isEventStream(answer)) return judgeAnswer(answer, this.opts.container, (t) => this.opts.redactor.strict(t));
    return this.readEvents(answer.body, ac);
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
    const quietCut =
      this.resume === null && this.lastCutClean && this.disconnectedAt !== undefined && Date.now() - this.disconnectedAt < 1_000;
    if (reconnected && !this.resume && this.disconnectedAt !== undefined && !quietCut)
      this.pushGap(this.lastTime ?? this.disconnectedAt, Date.now(), null);
    this.disconnectedAt = undefined;
    this.attemptConnected();

    const reader = new SseReader(
      {
        onEvent: (ev) => this.onEvent(ev),
        onOversize: (info) => this.onOversize(info.bytes, info.id),
        onRetry: (ms) => {
          if (ms > 0 && ms <= 60_000) this.serverRetryMs = ms;
        },
      },
      this.opts.maxEventBytes,
    );

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
        reader.feed(chunk);
        this.opts.onReadable?.();
        if (!this.paused && this.queue.aboveHigh) this.pauseSocket();
      });
      body.once('end', () => finish({ kind: 'retry', reason: 'The server ended the stream.', clean: true }));
      body.once('error', (err: Error & { code?: string }) => {
        const why = err.code === 'ECONNRESET' ? 'the connection was reset' : 'the connection was lost';
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

  private onEvent(ev: SseEvent): void {
    if (ev.event === 'ping') return; // keep-alive: it already refreshed the silence timer
    const parsed = ev.data === '' ? undefined : parseData(ev.data, ev.id || undefined, this.recordOptions());
    if (ev.id !== undefined && ev.id !== '') {
      this.resume = true;
      const a = this.lastNum;
      const b = numericId(ev.id);
      if (a !== undefined && b !== undefined) {
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
      this.lastNum = b;
    } else if (this.resume === null) {
      this.resume = false;
    }
    if (!parsed) return;
    if (parsed.line.kind === 'raw') this.stats.raw++;
    this.lastTime = parsed.line.t ?? Date.now();
    this.stats.lines++;
    parsed.line.n = ++this.n;
    this.enqueue(parsed);
  }

  private recordOpts: RecordOptions | undefined;
  /** One options object for every record while `withJson` stays the same. */
  private recordOptions(): RecordOptions {
    if (this.recordOpts?.withJson !== this.withJson)
      this.recordOpts = { maxDisplayChars: this.opts.maxDisplayChars, withJson: this.withJson, redact: this.redactKnown };
    return this.recordOpts;
  }

  /** An event over the cap was skipped on the wire: say so, with its size, and go on with the next one. */
  private onOversize(bytes: number, id: string | undefined): void {
    this.stats.skipped++;
    if (id !== undefined && id !== '') {
      this.lastId = id;
      this.lastNum = numericId(id);
    }
    const limit = humanBytes(this.opts.maxEventBytes);
    this.pushInfo(
      `An event of ${humanBytes(bytes)}${id ? ` (id ${id.slice(0, 40)})` : ''} was larger than the ${limit} limit and was skipped; the tail goes on.`,
    );
  }

  private readonly redactKnown = (text: string): string => this.opts.redactor.known(text);

  private enqueue(q: QueuedLine): void {
    q.at = ++arrivals;
    this.recorder?.add(q);
    this.queue.push(q);
  }

  private pushGap(from: number, to: number, missed: number | null): void {
    this.stats.gaps++;
    if (missed !== null) this.stats.missed += missed;
    const span = `${new Date(from).toISOString()} → ${new Date(to).toISOString()}`;
    const msg =
      missed === null
        ? `Gap: the stream was interrupted (${span}); lines said meanwhile may be missing (the server offers no resume).`
        : `Gap: ${missed} line(s) missed (${span}).`;
    const line: LogLine = { n: ++this.n, kind: 'gap', msg, gap: { from, to, missed }, t: to };
    this.enqueue({
      line,
      full: JSON.stringify({ gap: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), missed } }),
      bytes: msg.length + 64,
    });
    this.opts.onReadable?.();
  }

  private infoLine(msg: string): LogLine {
    return { n: ++this.n, kind: 'info', msg: inert(msg), t: Date.now() };
  }

  private pushInfo(msg: string): void {
    const line = this.infoLine(msg);
    this.enqueue({ line, full: JSON.stringify({ console: msg }), bytes: msg.length + 32 });
    this.opts.onReadable?.();
  }

  // ---- status -----------------------------------------------------------------------------------

  private setState(state: LogState, reason: string | undefined): void {
    this.state = state;
    this.reason = reason === undefined ? undefined : this.opts.redactor.strict(reason);
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

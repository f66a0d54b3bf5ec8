/**
 * Core -> renderer in batches, with flow control (the idea of Hyper's DataBatcher plus a credit
 * window; the numbers and their reasons are in common/logs-flow.ts): a batch goes out at once when the
 * pipe is idle (under ~64 KB unacknowledged), else when ~16 ms have passed since the first waiting line, the pane acknowledged
 * everything, or ~200 KB wait, whichever comes first; the renderer acknowledges batches once xterm has written them. Past the high
 * watermark of unacknowledged bytes nothing more is sent until acks bring it under the low one; the
 * lines wait in the stream's bounded queue, whose own high mark then pauses the socket.
 */
import type { LogLine } from '../../common/contract/logs';
import { ACK_HIGH_WATER_BYTES, ACK_LOW_WATER_BYTES, BATCH_INTERVAL_MS, IDLE_SEND_BYTES, MAX_BATCH_BYTES } from '../../common/logs-flow';
import type { QueuedLine } from './stream';

export interface PumpSource {
  take(maxBytes: number): QueuedLine[];
  readonly queued: number;
  readonly queuedBytes: number;
}

export interface PumpOptions {
  intervalMs?: number;
  maxBatchBytes?: number;
  highWaterBytes?: number;
  lowWaterBytes?: number;
  /** Below this many unacknowledged bytes a batch goes at once (0: only when nothing is in flight). */
  idleBytes?: number;
}

export class Pump {
  private seq = 0;
  private readonly inflight = new Map<number, number>();
  private unacked = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private blocked = false;
  private closed = false;
  readonly o: Required<PumpOptions>;

  constructor(
    private readonly source: PumpSource,
    private readonly send: (seq: number, lines: LogLine[]) => void,
    opts: PumpOptions = {},
  ) {
    this.o = {
      intervalMs: BATCH_INTERVAL_MS,
      maxBatchBytes: MAX_BATCH_BYTES,
      highWaterBytes: ACK_HIGH_WATER_BYTES,
      lowWaterBytes: ACK_LOW_WATER_BYTES,
      idleBytes: IDLE_SEND_BYTES,
      ...opts,
    };
  }

  /**
   * New lines wait. An idle pipe (little or nothing unacknowledged) sends at once: a quiet tail's line
   * is not held for a window on top of the pane's own frame. Under load (more in flight) lines coalesce
   * for up to ~16 ms, or until the pane acknowledges, or until a full batch waits.
   */
  notify(): void {
    if (this.closed || this.blocked) return;
    if (this.idle || this.source.queuedBytes >= this.o.maxBatchBytes) return this.flushSoon();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.o.intervalMs);
  }

  /** On the next turn, so the lines of one socket chunk leave as one batch. */
  private flushSoon(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }

  /** Cumulative: every batch up to `seq` is written. */
  ack(seq: number): void {
    for (const [s, bytes] of this.inflight) {
      if (s > seq) break;
      this.unacked -= bytes;
      this.inflight.delete(s);
    }
    if (this.blocked && this.unacked <= this.o.lowWaterBytes) {
      this.blocked = false;
      this.notify();
    } else if (this.idle && this.source.queued > 0 && !this.blocked) this.flushSoon(); // the pipe went idle: send what waits now
  }

  private get idle(): boolean {
    return this.inflight.size === 0 || this.unacked < this.o.idleBytes;
  }

  get unackedBytes(): number {
    return this.unacked;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** One last batch past the window (a closing tail's "Stopped: why"); what still waits is dropped. */
  sendLast(lines: LogLine[]): void {
    if (this.closed) return;
    this.send(++this.seq, lines);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    if (this.unacked >= this.o.highWaterBytes) {
      this.blocked = true;
      return;
    }
    const taken = this.source.take(this.o.maxBatchBytes);
    if (taken.length === 0) return;
    let bytes = 0;
    const lines: LogLine[] = new Array<LogLine>(taken.length);
    for (let i = 0; i < taken.length; i++) {
      lines[i] = taken[i]!.line;
      bytes += taken[i]!.bytes;
    }
    const seq = ++this.seq;
    this.inflight.set(seq, bytes);
    this.unacked += bytes;
    this.send(seq, lines);
    if (this.source.queued > 0) this.notify();
  }
}

/**
 * Flow control in the pane. Lines arrive in batches from the core and are written to the terminal one
 * `write` at a time: at once when the terminal is idle (no animation-frame wait on top of xterm's own
 * render frame), and while a write is being parsed the batches that arrive meanwhile coalesce into the
 * next one (bounded by `PANE_FRAME_CHARS`). Each batch is acknowledged only once the terminal's write
 * callback says it is parsed, so a slow pane slows the core, which stops reading the socket. Paused,
 * lines wait here (counted on screen); past `PANE_WAIT_CAP` the ack is held and the core holds back.
 */
import type { LogLine } from '../../../../common/contract';
import { PANE_FRAME_CHARS, PANE_WAIT_CAP } from '../../../../common/logs-flow';

export interface Frames {
  request(cb: () => void): number;
  cancel(id: number): void;
}

export interface FlowDeps {
  /** The terminal text of a line, or undefined when the filter hides it. */
  render(line: LogLine): string | undefined;
  write(text: string, done: () => void): void;
  ack(seq: number): void;
  /** After each write was parsed: the lines it showed (for counters and probes). */
  onWritten(lines: LogLine[]): void;
}

export class PaneFlow {
  private pending: Array<{ seq: number; lines: LogLine[] }> = [];
  private waitingLines: LogLine[] = [];
  private heldAck = 0;
  private writing = false;
  private scheduling = false;
  private lastAcked = 0;
  private closed = false;
  following = true;

  constructor(private readonly d: FlowDeps) {}

  get waiting(): number {
    return this.waitingLines.length;
  }

  /** The lines waiting while paused (the same objects as kept ones: a redraw leaves them out). */
  waitingSet(): Set<LogLine> | undefined {
    return this.waitingLines.length ? new Set(this.waitingLines) : undefined;
  }

  mapWaiting(fn: (l: LogLine) => LogLine): void {
    this.waitingLines = this.waitingLines.map(fn);
  }

  onBatch(seq: number, lines: LogLine[]): void {
    if (!this.following) {
      for (const l of lines) this.waitingLines.push(l);
      if (this.waitingLines.length < PANE_WAIT_CAP) this.ack(seq);
      else this.heldAck = seq;
      return;
    }
    this.pending.push({ seq, lines });
    this.schedule();
  }

  pause(): void {
    if (!this.following) return;
    this.following = false;
    // Whatever is queued for the next write waits too.
    for (const b of this.pending) for (const l of b.lines) this.waitingLines.push(l);
    const last = this.pending.at(-1)?.seq;
    this.pending = [];
    if (last) this.ack(last);
  }

  /** Follow again: write what waited, in slices so each write is bounded (the held ack goes with the last). */
  follow(): void {
    const waited = this.waitingLines;
    this.waitingLines = [];
    for (let i = 0; i < waited.length; i += 2_000) {
      this.pending.push({ seq: i + 2_000 >= waited.length ? this.heldAck : 0, lines: waited.slice(i, i + 2_000) });
    }
    if (waited.length === 0 && this.heldAck) this.ack(this.heldAck);
    this.heldAck = 0;
    this.following = true;
    this.schedule();
  }

  /** Replaces what the terminal shows (a redraw); batches wait until it is parsed. */
  rewrite(text: string, after: () => void): void {
    this.writing = true;
    this.d.write(text, () => {
      this.writing = false;
      after();
      this.schedule();
    });
  }

  clearWaiting(): void {
    this.waitingLines = [];
  }

  close(): void {
    this.closed = true;
  }

  /** Writes while the terminal is idle; a write callback that runs at once (a redraw of nothing) loops here, not recursively. */
  private schedule(): void {
    if (this.writing || this.scheduling || this.closed) return;
    this.scheduling = true;
    try {
      while (!this.writing && !this.closed && this.pending.length > 0) this.writeNext();
    } finally {
      this.scheduling = false;
    }
  }

  /** One write of the waiting batches (up to the per-write budget); O(bytes) of what it writes. */
  private writeNext(): void {
    let text = '';
    let lastSeq = 0;
    const written: LogLine[] = [];
    let taken = 0;
    while (taken < this.pending.length && text.length < PANE_FRAME_CHARS) {
      const b = this.pending[taken++]!;
      for (const l of b.lines) {
        const t = this.d.render(l);
        if (t === undefined) continue;
        text += t;
        written.push(l);
      }
      if (b.seq) lastSeq = b.seq;
    }
    this.pending = taken === this.pending.length ? [] : this.pending.slice(taken);
    const done = () => {
      this.writing = false;
      if (lastSeq) this.ack(lastSeq);
      this.d.onWritten(written);
      this.schedule();
    };
    if (!text) return done();
    this.writing = true;
    this.d.write(text, done);
  }

  private ack(seq: number): void {
    if (seq <= this.lastAcked) return;
    this.lastAcked = seq;
    this.d.ack(seq);
  }
}

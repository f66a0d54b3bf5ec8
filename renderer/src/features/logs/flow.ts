/**
 * Flow control in the pane. Lines arrive in batches from the core; they are written once per animation
 * frame, one `write` at a time, and each batch is acknowledged only once the terminal's write callback
 * says it is parsed, so a slow pane slows the core, which stops reading the socket. Paused, lines wait
 * here (counted on screen); past `PANE_WAIT_CAP` the ack is held and the core holds back.
 */
import type { LogLine } from '../../../../common/contract';
import { PANE_FRAME_CHARS, PANE_WAIT_CAP } from '../../../../common/logs-flow';

export interface Frames {
  request(cb: () => void): number;
  cancel(id: number): void;
}

export interface FlowDeps {
  frames: Frames;
  /** The terminal text of a line, or undefined when the filter hides it. */
  render(line: LogLine): string | undefined;
  write(text: string, done: () => void): void;
  ack(seq: number): void;
  /** After each frame was parsed: the lines it showed (for counters and probes). */
  onWritten(lines: LogLine[]): void;
}

export class PaneFlow {
  private pending: Array<{ seq: number; lines: LogLine[] }> = [];
  private waitingLines: LogLine[] = [];
  private heldAck = 0;
  private writing = false;
  private frame = 0;
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
    // Whatever is queued for the next frame waits too.
    for (const b of this.pending) for (const l of b.lines) this.waitingLines.push(l);
    const last = this.pending.at(-1)?.seq;
    this.pending = [];
    if (last) this.ack(last);
  }

  /** Follow again: write what waited, in slices so each frame writes a bounded amount (the held ack goes with the last). */
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

  /** Replaces what the terminal shows (a redraw); frames wait until it is parsed. */
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
    if (this.frame) this.d.frames.cancel(this.frame);
  }

  private schedule(): void {
    if (this.frame || this.writing || this.closed) return;
    this.frame = this.d.frames.request(() => {
      this.frame = 0;
      this.writeFrame();
    });
  }

  private writeFrame(): void {
    if (this.pending.length === 0 || this.closed) return;
    let text = '';
    let lastSeq = 0;
    const written: LogLine[] = [];
    while (this.pending.length > 0 && text.length < PANE_FRAME_CHARS) {
      const b = this.pending.shift()!;
      for (const l of b.lines) {
        const t = this.d.render(l);
        if (t === undefined) continue;
        text += t;
        written.push(l);
      }
      if (b.seq) lastSeq = b.seq;
    }
    const done = () => {
      this.writing = false;
      if (lastSeq) this.ack(lastSeq);
      this.d.onWritten(written);
      if (this.pending.length) this.schedule();
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

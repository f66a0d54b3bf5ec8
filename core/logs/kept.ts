// The lines a tail keeps whole after handing them to the pane: what "save" writes and what the JSON
// view fetches when it is turned on after lines arrived. Bounded in lines and bytes (oldest go first,
// counted, so a save can say what it no longer has).
import type { QueuedLine } from './stream';

export class KeptLines {
  private kept: Array<QueuedLine | undefined> = [];
  private head = 0;
  private bytes = 0;
  private dropped = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  add(q: QueuedLine): void {
    this.kept.push(q);
    this.bytes += q.full.length;
    while (this.kept.length - this.head > this.maxLines || this.bytes > this.maxBytes) {
      const old = this.kept[this.head];
      this.kept[this.head++] = undefined;
      if (old) this.bytes -= old.full.length;
      this.dropped++;
    }
    if (this.head > 8192 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Everything kept, whole, one line each (NDJSON for records, the raw text otherwise). */
  text(): { text: string; lines: number; bytes: number; oldestDropped: number } {
    const parts: string[] = [];
    for (let i = this.head; i < this.kept.length; i++) parts.push(this.kept[i]!.full);
    const text = parts.length ? `${parts.join('\n')}\n` : '';
    return { text, lines: parts.length, bytes: Buffer.byteLength(text), oldestDropped: this.dropped };
  }

  /** The JSON of kept records from line `from` on (those no larger than `maxChars`). */
  records(from: number, maxChars: number): Array<{ n: number; json: string }> {
    const out: Array<{ n: number; json: string }> = [];
    for (let i = this.head; i < this.kept.length; i++) {
      const q = this.kept[i]!;
      if (q.line.kind === 'rec' && q.line.n >= from && q.full.length <= maxChars) out.push({ n: q.line.n, json: q.full });
    }
    return out;
  }

  clear(): void {
    this.kept = [];
    this.head = 0;
    this.bytes = 0;
    this.dropped = 0;
  }
}

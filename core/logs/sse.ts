/**
 * Server-Sent Events framing on bytes (the WHATWG rules: CRLF, LF or CR line ends, `data`/`id`/`event`/
 * `retry` fields, comments, a blank line dispatches, a leading BOM is dropped).
 *
 * Hand-rolled rather than eventsource-parser because of one thing that library cannot do: an event
 * larger than the cap must be skipped on the wire. eventsource-parser buffers an event whole and, past
 * its `maxBufferSize`, terminates (the caller can only reconnect, and the server replays the same event
 * for ever). Here an oversized event is counted and discarded as it streams, the caller is told how
 * large it was, and the next event is read as usual. Working on bytes also means a line is decoded
 * once, whole, so a chunk edge inside a multi-byte character costs nothing.
 */

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseHandlers {
  onEvent(ev: SseEvent): void;
  /** An event over the cap was skipped: its size on the wire (bytes) and its id, if it had one. */
  onOversize(info: { bytes: number; id: string | undefined }): void;
  onRetry?(ms: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export class SseReader {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private first = true;
  private bomHead: Buffer | undefined;
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to it. */
  private pendingCR = false;

  private data: string[] = [];
  private id: string | undefined;
  private event: string | undefined;
  /** Bytes of the current event so far (lines and line ends), for the cap and the marker. */
  private eventBytes = 0;
  private skipping = false;

  constructor(
    private readonly handlers: SseHandlers,
    private readonly maxEventBytes: number,
  ) {}

  feed(input: Buffer): void {
    let chunk = input;
    let i = 0;
    if (this.first) {
      // A BOM may open the stream, and may itself arrive in pieces.
      const head = this.bomHead ? Buffer.concat([this.bomHead, chunk]) : chunk;
      const n = Math.min(3, head.length);
      if (head.subarray(0, n).equals(BOM.subarray(0, n))) {
        if (n < 3) {
          this.bomHead = head;
          return;
        }
        i = 3;
      }
      this.first = false;
      this.bomHead = undefined;
      chunk = head;
    }
    const len = chunk.length;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (i < len && chunk[i] === LF) i++;
    }
    const hasCR = chunk.indexOf(CR, i) !== -1;
    let nextLF = chunk.indexOf(LF, i);
    let nextCR = hasCR ? chunk.indexOf(CR, i) : -1;
    while (i < len) {
      if (nextLF !== -1 && nextLF < i) nextLF = chunk.indexOf(LF, i);
      if (nextCR !== -1 && nextCR < i) nextCR = chunk.indexOf(CR, i);
      const end = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextLF, nextCR);
      if (end === -1) {
        this.keepPartial(chunk, i, len);
        return;
      }
      let next = end + 1;
      if (chunk[end] === CR) {
        if (next < len && chunk[next] === LF) next++;
        else if (next === len) this.pendingCR = true;
      }
      this.line(chunk, i, end);
      i = next;
    }
  }

  /** Forget everything (a new connection starts a new stream). */
  reset(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.first = true;
    this.bomHead = undefined;
    this.pendingCR = false;
    this.endEvent();
  }

  private keepPartial(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    this.partialBytes += n;
    if (this.skipping || this.eventBytes + this.partialBytes > this.maxEventBytes) {
      // Over the cap already: count, keep nothing.
      this.startSkipping();
      return;
    }
    this.partial.push(chunk.subarray(from, to));
  }

  private startSkipping(): void {
    this.skipping = true;
    this.data.length = 0;
    this.partial = [];
  }

  private line(chunk: Buffer, from: number, to: number): void {
    const lineBytes = this.partialBytes + (to - from);
    this.partialBytes = 0;
    if (lineBytes === 0) {
      this.dispatch();
      return;
    }
    // A line end counts as one byte whichever form it took, so the size is the same however the stream was cut.
    this.eventBytes += lineBytes + 1;
    if (this.skipping || this.eventBytes > this.maxEventBytes) {
      const whole = this.partial.length === 0 && lineBytes === to - from;
      this.startSkipping();
      // An `id:` line of a skipped event still counts: a resume must not ask for the event again.
      if (whole && lineBytes < 1024) this.field(chunk.subarray(from, to), true);
      return;
    }
    let line: Buffer;
    if (this.partial.length > 0) {
      this.partial.push(chunk.subarray(from, to));
      line = Buffer.concat(this.partial, lineBytes);
      this.partial = [];
    } else line = chunk.subarray(from, to);
    this.field(line, false);
  }

  private field(line: Buffer, idOnly: boolean): void {
    if (line.length === 0) return;
    if (line[0] === COLON) return; // a comment
    let colon = line.indexOf(COLON);
    let value: Buffer;
    let name: string;
    if (colon === -1) {
      name = line.toString('latin1');
      value = line.subarray(line.length);
    } else {
      // The two names of nearly every line are matched on bytes: no string per field line.
      name =
        colon === 4 && line[0] === 0x64 && line[1] === 0x61 && line[2] === 0x74 && line[3] === 0x61
          ? 'data'
          : colon === 2 && line[0] === 0x69 && line[1] === 0x64
            ? 'id'
            : line.toString('latin1', 0, colon);
      colon++;
      if (line[colon] === SPACE) colon++;
      value = line.subarray(colon);
    }
    if (idOnly && name !== 'id') return;
    switch (name) {
      case 'data':
        this.data.push(value.toString('utf8'));
        break;
      case 'id': {
        const id = value.toString('utf8');
        if (!id.includes('\0')) this.id = id;
        break;
      }
      case 'event':
        this.event = value.toString('utf8') || undefined;
        break;
      case 'retry': {
        const s = value.toString('latin1');
        if (/^\d+$/.test(s)) this.handlers.onRetry?.(Number(s));
        break;
      }
      default:
      // Unknown fields are ignored, as the spec says.
    }
  }

  private dispatch(): void {
    if (this.skipping) {
      const bytes = this.eventBytes;
      const id = this.id;
      this.endEvent();
      this.handlers.onOversize({ bytes, id });
      return;
    }
    const ev =
      this.data.length > 0
        ? { id: this.id, event: this.event, data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') }
        : undefined;
    const id = this.id;
    this.endEvent();
    if (ev) this.handlers.onEvent(ev);
    // An event with an id and no data still moves the resume point (the spec's "last event ID").
    else if (id !== undefined) this.handlers.onEvent({ id, event: undefined, data: '' });
  }

  private endEvent(): void {
    // Emptied in place, not replaced: no array per event (a dispatched event holds a string, not this array).
    this.data.length = 0;
    this.id = undefined;
    this.event = undefined;
    this.eventBytes = 0;
    this.skipping = false;
  }
}

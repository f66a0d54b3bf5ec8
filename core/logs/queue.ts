import { QUEUE_LIMITS } from '../../common/logs-flow';

// A bounded FIFO between the socket and the consumer. Bounded in lines and in bytes; the producer
// is told to pause at the high mark and to resume at the low mark, and anything pushed past the hard
// limit drops the oldest line and counts it (shown to the user, never hidden).

export interface QueueLimits {
  /** Pause the producer at this many lines or bytes... */
  highLines: number;
  highBytes: number;
  /** ...resume it below these... */
  lowLines: number;
  lowBytes: number;
  /** ...and never hold more than this (oldest dropped, counted). */
  maxLines: number;
  maxBytes: number;
}

/** The product's limits, with their reasons, in common/logs-flow.ts. */
export const defaultQueueLimits: QueueLimits = { ...QUEUE_LIMITS };

export class BoundedQueue<T extends { bytes: number }> {
  private items: Array<T | undefined> = [];
  private head = 0;
  bytes = 0;
  dropped = 0;

  constructor(readonly limits: QueueLimits = defaultQueueLimits) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    this.bytes += item.bytes;
    while (this.length > 1 && (this.length > this.limits.maxLines || this.bytes > this.limits.maxBytes)) {
      this.shift();
      this.dropped++;
    }
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (item) this.bytes -= item.bytes;
    // Compact now and then so the array does not grow for ever.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Takes lines from the front while their bytes fit in `maxBytes` (at least one). */
  take(maxBytes: number): T[] {
    const out: T[] = [];
    let size = 0;
    while (this.length > 0) {
      const next = this.peek()!;
      if (out.length > 0 && size + next.bytes > maxBytes) break;
      out.push(this.shift()!);
      size += next.bytes;
    }
    return out;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }

  get aboveHigh(): boolean {
    return this.length >= this.limits.highLines || this.bytes >= this.limits.highBytes;
  }

  get belowLow(): boolean {
    return this.length <= this.limits.lowLines && this.bytes <= this.limits.lowBytes;
  }
}

import type { DestinationLimits, Encoded } from './destinations/types';

/** Accumulates encoded logs into one destination request, within every limit of its API. */
export class Batcher {
  items: Encoded[] = [];
  private bytes = 0;
  private minT = Infinity;
  private maxT = -Infinity;

  constructor(private readonly limits: DestinationLimits) {}

  get size(): number {
    return this.items.length;
  }

  /** Whether `e` can join the current batch; an empty batch takes anything (an oversize event goes alone and the API decides). */
  fits(e: Encoded): boolean {
    if (this.items.length === 0) return true;
    if (this.items.length + 1 > this.limits.maxEvents) return false;
    if (this.bytes + e.bytes + this.limits.perEventBytes > this.limits.maxBytes) return false;
    if (this.limits.maxSpanMs !== undefined) {
      const span = Math.max(this.maxT, e.time) - Math.min(this.minT, e.time);
      if (span > this.limits.maxSpanMs) return false;
    }
    return true;
  }

  add(e: Encoded): void {
    this.items.push(e);
    this.bytes += e.bytes + this.limits.perEventBytes;
    if (e.time < this.minT) this.minT = e.time;
    if (e.time > this.maxT) this.maxT = e.time;
  }

  get full(): boolean {
    return this.items.length >= this.limits.maxEvents;
  }

  take(): Encoded[] {
    const out = this.items;
    this.items = [];
    this.bytes = 0;
    this.minT = Infinity;
    this.maxT = -Infinity;
    return out;
  }
}

import type { Auth0Log } from './source';
import { CancelledError } from './retry';

/** A bounded hand-off between the fetcher and the sender: fetch-ahead stops when it is full. */
export class PageQueue {
  private pages: Auth0Log[][] = [];
  private ended = false;
  private error: unknown = null;
  private wake: (() => void) | null = null;
  private space: (() => void) | null = null;
  constructor(private readonly capacity: number) {}

  async push(page: Auth0Log[], signal: AbortSignal): Promise<void> {
    while (this.pages.length >= this.capacity) {
      if (signal.aborted) throw new CancelledError();
      await waitFor((r) => (this.space = r), signal);
    }
    this.pages.push(page);
    this.notify();
  }
  end(error: unknown = null): void {
    this.ended = true;
    this.error = error;
    this.notify();
  }
  private notify() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  /** A page if one is ready now. */
  poll(): Auth0Log[] | undefined {
    const p = this.pages.shift();
    if (p) {
      const s = this.space;
      this.space = null;
      s?.();
    }
    return p;
  }
  /** The next page; null when the fetcher is done; throws the fetcher's error after the pages before it. */
  async next(signal: AbortSignal): Promise<Auth0Log[] | null> {
    for (;;) {
      const p = this.poll();
      if (p) return p;
      if (this.ended) {
        if (this.error) throw this.error;
        return null;
      }
      if (signal.aborted) throw new CancelledError();
      await waitFor((r) => (this.wake = r), signal);
    }
  }

  /** Waits up to `ms` for a page to be ready (or the end); true when one is. */
  async ready(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.pages.length || this.ended) return true;
    let timer: NodeJS.Timeout | undefined;
    await waitFor((r) => {
      this.wake = r;
      timer = setTimeout(r, ms);
    }, signal);
    clearTimeout(timer);
    return this.pages.length > 0 || this.ended;
  }
}

/** Resolves when `arm`'s callback is called or `signal` aborts; leaves no listener behind. */
function waitFor(arm: (wake: () => void) => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    arm(done);
  });
}

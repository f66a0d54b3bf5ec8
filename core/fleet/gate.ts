/**
 * Bounded concurrency and a shared rate-limit gate for the fleet's many requests. A 429 (or a
 * response saying `x-ratelimit-remaining: 0`) closes the gate for every worker until the time the
 * cluster named (`retry-after`, else `x-ratelimit-reset`), else an exponential backoff with jitter.
 * Hand-rolled rather than p-limit/p-retry: the gate must be shared by all workers and visible in the
 * progress (who waits until when), and cancel must stop both the waits and the queue.
 */
import { HostError } from '../util/errors';

export interface GateOptions {
  /** Retries of one request after 429s before it fails. */
  maxRetries?: number;
  /** First backoff when the cluster names no time. */
  baseDelayMs?: number;
  /** Longest single wait (a cluster asking for more is waited this long, then retried). */
  maxDelayMs?: number;
  now?: () => number;
}

export class RateGate {
  /** The gate is closed until this time (ms since the epoch). */
  until = 0;
  /** 429 answers seen. */
  limited = 0;
  readonly maxRetries: number;
  private readonly base: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: GateOptions = {}) {
    this.maxRetries = opts.maxRetries ?? 8;
    this.base = opts.baseDelayMs ?? 500;
    this.max = opts.maxDelayMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Resolves when the gate is open; rejects with `cancelled` when the signal aborts. */
  async ready(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new HostError('cancelled', 'Cancelled.');
      const wait = this.until - this.now();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }

  /** How long the cluster asked us to wait, from its headers (null: it did not say). */
  static askedWaitMs(headers: Record<string, string>, now: number): number | null {
    const ra = headers['retry-after'];
    if (ra !== undefined && ra.trim() !== '') {
      const secs = Number(ra);
      if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
      const at = Date.parse(ra);
      if (Number.isFinite(at)) return Math.max(0, at - now);
    }
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset) && reset > 0) {
      // Epoch seconds as Auth0 sends them; a small number is "seconds from now".
      return reset > 1e9 ? Math.max(0, reset * 1000 - now) : reset * 1000;
    }
    return null;
  }

  /** A 429 arrived (attempt = retries so far for that request): close the gate for everyone. */
  limitedBy(headers: Record<string, string>, attempt: number): void {
    this.limited++;
    const now = this.now();
    const asked = RateGate.askedWaitMs(headers, now);
    const backoff = this.base * 2 ** Math.min(attempt, 10);
    // Jitter spreads the workers' retries so they do not all hit the reset instant together.
    const wait = Math.min(this.max, (asked ?? backoff) + Math.random() * Math.min(250, this.base));
    this.until = Math.max(this.until, now + wait);
  }

  /** Any answer: when the cluster says the budget is spent, wait for its reset before the next request. */
  observe(headers: Record<string, string>): void {
    if (headers['x-ratelimit-remaining'] !== '0') return;
    const asked = RateGate.askedWaitMs({ 'x-ratelimit-reset': headers['x-ratelimit-reset'] ?? '' }, this.now());
    if (asked !== null) this.until = Math.max(this.until, this.now() + Math.min(this.max, asked));
  }

  waitingUntil(): number | null {
    return this.until > this.now() ? this.until : null;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HostError('cancelled', 'Cancelled.'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new HostError('cancelled', 'Cancelled.'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `work` over `items` with at most `concurrency` at once, in order of the list. Stops taking
 * new items when the signal aborts; an item's failure is the worker's to record (work must not throw).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** Backoff and waiting shared by the source and the destinations. */

export class CancelledError extends Error {
  constructor() {
    super('export cancelled');
    this.name = 'CancelledError';
  }
}

/** A failure with what the retry loop needs to know. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  /** Wait at least this long before the next attempt (429 reset, Retry-After). */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(message: string, opts: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeliveryError';
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter, never below a server-given wait, never zero. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, floorMs = 0, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  const jittered = cap / 2 + random() * (cap / 2);
  return Math.max(1, Math.ceil(floorMs + (floorMs > 0 ? random() * Math.min(250, baseMs) : jittered)));
}

/** Retry-After in seconds or an HTTP date, as milliseconds from now. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** Network-level failures (reset, refused, dropped mid-response, timeouts) are always worth retrying. */
export function networkError(what: string, e: unknown): DeliveryError {
  const cause = e as { code?: string; cause?: { code?: string; message?: string }; message?: string; name?: string };
  const code = cause?.cause?.code ?? cause?.code ?? cause?.name ?? 'error';
  const msg = cause?.cause?.message ?? cause?.message ?? String(e);
  return new DeliveryError(`${what}: ${code} ${msg}`.trim(), { retryable: true, cause: e });
}

/**
 * A signal that fires on `parent` abort or after `ms`, with a dispose that removes every listener
 * and timer. Hand-rolled on purpose: AbortSignal.any keeps a listener on the long-lived parent per
 * request until GC, which at hundreds of requests per second slows the whole run down.
 */
export function requestSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onAbort = () => ac.abort(parent.reason);
  if (parent.aborted) ac.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ac.abort(new DOMException(`request timed out after ${ms} ms`, 'TimeoutError')), ms);
  return {
    signal: ac.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

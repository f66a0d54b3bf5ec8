/** Backoff, waiting and the one retry loop, shared by the source, the destinations and the engine. */

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
  /** How the request ended: see `Outcome`. */
  readonly outcome: Outcome;
  constructor(message: string, opts: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown; outcome?: Outcome }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeliveryError';
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.outcome = opts.outcome ?? (opts.status !== undefined ? 'answered' : outcomeOf(opts.cause));
  }
}

/**
 * How a failed request ended, which decides whether its data may have been stored anyway:
 * `answered` (the server said no), `unsent` (no connection: nothing left this process),
 * `unanswered` (sent, then the connection dropped: it may have been stored), `timeout` (sent,
 * no answer within the request timeout: it may have been stored, and the server may be hanging).
 */
export type Outcome = 'answered' | 'unsent' | 'unanswered' | 'timeout';

const UNSENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout']);

/** Reads the cause chain (fetch, undici, the AWS and Azure SDKs each wrap differently). */
export function outcomeOf(e: unknown): Outcome {
  let unanswered = false;
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 6; cur = (cur as { cause?: unknown }).cause, depth++) {
    const x = cur as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown }; statusCode?: unknown };
    if (cur instanceof DeliveryError && cur !== e) return cur.outcome;
    if (typeof x.$metadata?.httpStatusCode === 'number' || typeof x.statusCode === 'number') return 'answered';
    const code = typeof x.code === 'string' ? x.code : '';
    const name = typeof x.name === 'string' ? x.name : '';
    // The code first: the AWS SDK names a reset connection "TimeoutError" too (code ECONNRESET).
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (UNSENT_CODES.has(code)) return 'unsent';
    if (code) return 'unanswered';
    if (TIMEOUT_CODES.has(name)) return 'timeout';
    if (name === 'AbortError' || name === 'SocketError') unanswered = true;
  }
  return unanswered ? 'unanswered' : 'answered';
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
  const outcome = outcomeOf(e);
  if (outcome === 'timeout') return new DeliveryError(`${what}: no answer (${msg})`, { retryable: true, cause: e, outcome });
  return new DeliveryError(`${what}: ${code} ${msg}`.trim(), { retryable: true, cause: e, outcome });
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

export interface RetryPolicy {
  /** Retries of real failures (MAX_RETRIES). */
  maxRetries: number;
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

/** What the loop is about to wait for. */
export interface RetryWait {
  error: DeliveryError;
  /** A rate limit (429): the API working as designed, counted apart from retries. */
  rateLimit: boolean;
  /** 1-based number of this retry (or rate-limit wait). */
  attempt: number;
  waitMs: number;
}

export interface RetryHooks {
  /** Every failure, before the decision to retry (the engine notes unacknowledged sends). */
  onFailure?: (e: DeliveryError) => void;
  /** Before each wait. */
  onWait?: (w: RetryWait) => void;
  /** When given, a request that timed out is not retried: this error is thrown instead (a hanging server fails fast). */
  onTimeout?: (e: DeliveryError) => Error;
}

/**
 * The one retry loop: exponential backoff with full jitter for failures (at most `maxRetries`),
 * the server's wait (Retry-After, x-ratelimit-reset) for 429s with a larger budget of their own,
 * no retry for a non-retryable error, and cancellation at any wait.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  hooks: RetryHooks = {},
): Promise<T> {
  let failures = 0;
  let rateWaits = 0;
  for (;;) {
    if (signal.aborted) throw new CancelledError();
    try {
      return await attempt();
    } catch (e) {
      if (e instanceof CancelledError || signal.aborted) throw new CancelledError();
      const err = e instanceof DeliveryError ? e : new DeliveryError(String((e as Error)?.message ?? e), { retryable: false, cause: e });
      hooks.onFailure?.(err);
      if (!err.retryable) throw err;
      if (err.outcome === 'timeout' && hooks.onTimeout) throw hooks.onTimeout(err);
      const rateLimit = err.status === 429;
      if (rateLimit) rateWaits++;
      else failures++;
      if (failures > policy.maxRetries || rateWaits > Math.max(50, policy.maxRetries * 10)) {
        throw new DeliveryError(`${err.message} (gave up after ${failures + rateWaits - 1} retries)`, {
          retryable: false,
          status: err.status,
          cause: err,
          outcome: err.outcome,
        });
      }
      const waitMs = rateLimit
        ? backoffMs(0, Math.min(100, policy.baseMs), policy.maxMs, err.retryAfterMs ?? 0, policy.random)
        : backoffMs(failures - 1, policy.baseMs, policy.maxMs, err.retryAfterMs ?? 0, policy.random);
      hooks.onWait?.({ error: err, rateLimit, attempt: rateLimit ? rateWaits : failures, waitMs });
      await sleep(waitMs, signal);
    }
  }
}

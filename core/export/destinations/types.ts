import type { HttpResponse } from '../http';
import type { Auth0Log, FetchLike } from '../source';
import { CancelledError, DeliveryError, isRetryableStatus, networkError, requestSignal, retryAfterMs } from '../retry';

/** One log ready for a destination, with what the batcher needs to size it. */
export interface Encoded {
  logId: string;
  /** The log's own time (ms), for ordering and span limits. */
  time: number;
  /** Bytes this event adds to a request body. */
  bytes: number;
  payload: unknown;
}

export interface DestinationLimits {
  maxEvents: number;
  maxBytes: number;
  /** Bytes the API counts per event on top of the payload (CloudWatch: 26). */
  perEventBytes: number;
  /** Largest span between the oldest and newest event of a batch. */
  maxSpanMs?: number;
}

export interface SendResult {
  /** Events the destination acknowledged but refused to store. */
  rejected: number;
  rejectedReason?: string;
}

export interface Destination {
  readonly kind: string;
  readonly limits: DestinationLimits;
  encode(log: Auth0Log): Encoded;
  /** Creates what must exist (CloudWatch group and stream) before the first batch. */
  prepare(signal: AbortSignal): Promise<void>;
  send(batch: Encoded[], signal: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

export interface DestinationDeps {
  fetchImpl: FetchLike;
  requestTimeoutMs: number;
}

export function logTime(log: Auth0Log): number {
  const t = typeof log.date === 'string' ? Date.parse(log.date) : NaN;
  return Number.isFinite(t) ? t : Date.now();
}

/** Elasticsearch refuses a document holding `_id`: the id travels as `log_id` (the seeds' advice). */
export function withoutUnderscoreId(log: Auth0Log): Record<string, unknown> {
  if (!('_id' in log)) return log;
  const { _id, ...rest } = log;
  return { ...rest, log_id: log.log_id ?? _id };
}

/** POST with the status mapping every HTTP destination shares; returns the body text of a 2xx. */
export async function post(
  deps: DestinationDeps,
  what: string,
  url: string,
  init: {
    headers: Record<string, string>;
    body: string | Uint8Array<ArrayBuffer>;
    /** An API's own reading of a refusal (its error body, the setting to check); the status decides retrying unless it says otherwise. */
    explain?: (status: number, text: string) => { message: string; retryable?: boolean } | undefined;
  },
  signal: AbortSignal,
): Promise<string> {
  let res: HttpResponse;
  let text: string;
  const rs = requestSignal(signal, deps.requestTimeoutMs);
  try {
    res = await deps.fetchImpl(url, { method: 'POST', headers: init.headers, body: init.body, signal: rs.signal });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) throw new CancelledError();
    throw networkError(`${what} request failed`, e);
  } finally {
    rs.dispose();
  }
  if (res.status >= 200 && res.status < 300) return text;
  const own = init.explain?.(res.status, text);
  if (own) {
    throw new DeliveryError(`${what} answered ${res.status}: ${own.message}`, {
      retryable: own.retryable ?? isRetryableStatus(res.status),
      status: res.status,
      retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
    });
  }
  const snippet = text.slice(0, 300).replace(/\s+/g, ' ').trim();
  const hint =
    res.status === 401 || res.status === 403 ? ': check the destination credentials' : res.status === 413 ? ': the batch is too large' : '';
  throw new DeliveryError(`${what} answered ${res.status}${snippet ? ` (${snippet})` : ''}${hint}`, {
    retryable: isRetryableStatus(res.status),
    status: res.status,
    retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
  });
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

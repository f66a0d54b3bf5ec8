import type { ExportConfig } from './config';
import type { HttpFn, HttpResponse } from './http';
import { CancelledError, DeliveryError, backoffMs, networkError, requestSignal, sleep } from './retry';

export type Auth0Log = Record<string, unknown> & { log_id: string; date?: string; type?: string };
/** Anything shaped like fetch for the engine's needs (fetch itself, or the undici-based default). */
export type FetchLike = HttpFn;

export interface SourceHooks {
  /** Called before each wait, with what is being waited for. */
  onRetry?: (info: { reason: string; waitMs: number; counted: boolean }) => void;
}

interface RateState {
  remaining: number;
  resetAtMs: number;
}

/**
 * The Management API logs endpoint in checkpoint mode. The client-credential token is cached
 * and renewed shortly before it expires or when the API answers 401; 429 waits for
 * x-ratelimit-reset, and an exhausted x-ratelimit-remaining waits before asking at all, so a
 * rate-limited run never spins.
 */
export class Auth0LogSource {
  private token: { value: string; renewAtMs: number } | null = null;
  /** Where the page after `after` is: the previous answer's `Link: rel=next` (and, after the first search page, the ids it already returned). */
  private cursor: { after: string; url: string; seen: { ids: Set<string>; max: string } | null } | null = null;
  private rate: RateState | null = null;
  tokensIssued = 0;

  constructor(
    private readonly cfg: ExportConfig,
    private readonly fetchImpl: FetchLike,
    private readonly hooks: SourceHooks = {},
    private readonly random: () => number = Math.random,
  ) {}

  private async getToken(signal: AbortSignal): Promise<string> {
    if (this.token && Date.now() < this.token.renewAtMs) return this.token.value;
    const { baseUrl, audience, clientId, clientSecret } = this.cfg.auth0;
    let res: HttpResponse;
    let text: string;
    const rs = requestSignal(signal, this.cfg.requestTimeoutMs);
    try {
      res = await this.fetchImpl(`${baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience }),
        signal: rs.signal,
      });
      text = await res.text();
    } catch (e) {
      if (signal.aborted) throw new CancelledError();
      throw networkError(`Auth0 token request to ${baseUrl} failed`, e);
    } finally {
      rs.dispose();
    }
    if (!res.ok) {
      const why = errorText(text);
      if (res.status === 401 || res.status === 403) {
        throw new DeliveryError(
          `Auth0 refused the client credentials (${res.status}${why ? `: ${why}` : ''}): check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, and that the application is authorized for the Management API with read:logs`,
          { retryable: false, status: res.status },
        );
      }
      throw new DeliveryError(`Auth0 token request failed with ${res.status}${why ? `: ${why}` : ''}`, {
        retryable: res.status === 429 || res.status >= 500,
        status: res.status,
        retryAfterMs: resetWait(res.headers),
      });
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new DeliveryError('Auth0 token response was not JSON', { retryable: true, status: res.status });
    }
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw new DeliveryError('Auth0 token response held no access_token', { retryable: false, status: res.status });
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 86_400) * 1000;
    // Renew a little before expiry: 10% of the lifetime, at most a minute, so a page never leaves with a token about to die.
    this.token = { value: body.access_token, renewAtMs: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs * 0.1) };
    this.tokensIssued++;
    return body.access_token;
  }

  /**
   * The next page after `from`, as Auth0's "Retrieve Log Events Using the Management API" asks:
   * with no checkpoint, the oldest logs first in search mode (`page=0&per_page=N&sort=date:1`);
   * with one, checkpoint mode (`from`, `take`); after that, the `Link: rel=next` URL of the previous
   * answer ("only the first request should be made manually"), as long as the caller continues
   * from the last log this source returned. Retried until it succeeds or retries run out.
   */
  async fetchPage(from: string | null, take: number, signal: AbortSignal): Promise<Auth0Log[]> {
    if (from === null) {
      const page = (await this.getLogs(this.logsUrl(new URLSearchParams({ page: '0', per_page: String(take), sort: 'date:1' })), signal))
        .logs;
      if (page.length === 0) {
        this.cursor = null;
        return page;
      }
      // Search results are ordered by date, checkpoints by log_id: continue from the smallest log_id
      // of this page and drop what was already returned, so a log whose id and date disagree is neither lost nor repeated.
      let min = page[0]!.log_id;
      let max = min;
      for (const l of page) {
        if (l.log_id < min) min = l.log_id;
        if (l.log_id > max) max = l.log_id;
      }
      const seen = { ids: new Set(page.map((l) => l.log_id)), max };
      this.cursor = {
        after: page[page.length - 1]!.log_id,
        url: this.logsUrl(new URLSearchParams({ from: min, take: String(take) })),
        seen,
      };
      return page;
    }
    const url =
      this.cursor && this.cursor.after === from ? this.cursor.url : this.logsUrl(new URLSearchParams({ from, take: String(take) }));
    const seen = this.cursor?.after === from ? this.cursor.seen : null;
    const out: Auth0Log[] = [];
    let next = url;
    let lastRaw = from;
    for (;;) {
      const r = await this.getLogs(next, signal);
      const fresh = seen ? r.logs.filter((l) => !seen.ids.has(l.log_id)) : r.logs;
      lastRaw = r.logs.at(-1)?.log_id ?? lastRaw;
      out.push(...fresh);
      // Keep the Link only when it stays on this tenant's logs endpoint: the token must never go elsewhere.
      const following =
        r.next && this.isLogsUrl(r.next)
          ? r.next
          : this.logsUrl(new URLSearchParams({ from: r.logs.at(-1)?.log_id ?? from, take: String(take) }));
      next = following;
      // Pages overlapping the search page come back short once the repeats are dropped: read on, so
      // that a short page keeps meaning "head reached" to the caller.
      if (out.length >= take || r.logs.length < take) break;
    }
    const last = out.at(-1)?.log_id ?? from;
    this.cursor = { after: last, url: next, seen: seen && lastRaw < seen.max ? seen : null };
    return out;
  }

  /** The newest log (search mode, one result), for progress estimates; null when the tenant has none. One attempt: it is only a nicety. */
  async fetchHead(signal: AbortSignal): Promise<Auth0Log | null> {
    if (this.rate && this.rate.remaining <= 0 && this.rate.resetAtMs > Date.now()) return null;
    const page = await this.fetchOnce(this.logsUrl(new URLSearchParams({ page: '0', per_page: '1', sort: 'date:-1' })), signal);
    return page.logs[0] ?? null;
  }

  private logsUrl(q: URLSearchParams): string {
    return `${this.cfg.auth0.baseUrl}/api/v2/logs?${q}`;
  }

  private isLogsUrl(u: string): boolean {
    try {
      const a = new URL(u);
      const b = new URL(`${this.cfg.auth0.baseUrl}/api/v2/logs`);
      return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
    } catch {
      return false;
    }
  }

  private async getLogs(url: string, signal: AbortSignal): Promise<{ logs: Auth0Log[]; next: string | null }> {
    let failures = 0;
    let rateWaits = 0;
    let unauthorized = 0;
    for (;;) {
      if (signal.aborted) throw new CancelledError();
      // Proactive: the last answer said no requests remain in this window; wait for the reset.
      if (this.rate && this.rate.remaining <= 0 && this.rate.resetAtMs > Date.now()) {
        const waitMs = this.rate.resetAtMs - Date.now() + Math.floor(this.random() * 20);
        this.hooks.onRetry?.({ reason: 'rate limit window exhausted, waiting for x-ratelimit-reset', waitMs, counted: false });
        await sleep(waitMs, signal);
        this.rate = null;
      }
      try {
        return await this.fetchOnce(url, signal);
      } catch (e) {
        if (e instanceof CancelledError || signal.aborted) throw new CancelledError();
        if (!(e instanceof DeliveryError) || !e.retryable) throw e;
        if (e.status === 401) {
          // An expired or revoked token: drop it and ask for a new one; the first renewal needs no backoff.
          this.token = null;
          unauthorized++;
          if (unauthorized > 3)
            throw new DeliveryError(`${e.message} (after renewing the token ${unauthorized - 1} times)`, { retryable: false, status: 401 });
          if (unauthorized === 1) {
            this.hooks.onRetry?.({ reason: 'token rejected (401), renewing it', waitMs: 0, counted: true });
            continue;
          }
        }
        const isRate = e.status === 429;
        if (isRate) rateWaits++;
        else failures++;
        // 429 is the API working as designed: it gets a larger budget than real failures.
        if (failures > this.cfg.maxRetries || rateWaits > Math.max(50, this.cfg.maxRetries * 10)) {
          throw new DeliveryError(`${e.message} (gave up after ${failures + rateWaits - 1} retries)`, {
            retryable: false,
            status: e.status,
            cause: e,
          });
        }
        const waitMs = backoffMs(
          isRate ? 0 : failures - 1,
          isRate ? 100 : this.cfg.retryBaseMs,
          this.cfg.retryMaxMs,
          e.retryAfterMs ?? 0,
          this.random,
        );
        this.hooks.onRetry?.({ reason: e.message, waitMs, counted: true });
        await sleep(waitMs, signal);
      }
    }
  }

  private async fetchOnce(url: string, signal: AbortSignal): Promise<{ logs: Auth0Log[]; next: string | null }> {
    const token = await this.getToken(signal);
    let res: HttpResponse;
    let text: string;
    const rs = requestSignal(signal, this.cfg.requestTimeoutMs);
    try {
      res = await this.fetchImpl(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: rs.signal,
      });
      text = await res.text();
    } catch (e) {
      if (signal.aborted) throw new CancelledError();
      throw networkError('Auth0 logs request failed', e);
    } finally {
      rs.dispose();
    }
    this.noteRate(res.headers);
    if (res.status === 200) {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        throw new DeliveryError('Auth0 logs response was not JSON (truncated?)', { retryable: true, status: 200 });
      }
      if (!Array.isArray(data)) throw new DeliveryError('Auth0 logs response was not an array', { retryable: false, status: 200 });
      for (const l of data) {
        if (!l || typeof l !== 'object' || typeof (l as { log_id?: unknown }).log_id !== 'string') {
          throw new DeliveryError('Auth0 logs response held an entry without log_id', { retryable: false, status: 200 });
        }
      }
      return { logs: data as Auth0Log[], next: nextLink(res.headers.get('link')) };
    }
    const why = errorText(text);
    if (res.status === 401)
      throw new DeliveryError(`Auth0 logs request unauthorized (401${why ? `: ${why}` : ''})`, { retryable: true, status: 401 });
    if (res.status === 403)
      throw new DeliveryError(`Auth0 refused the logs request (403${why ? `: ${why}` : ''}): grant the application the read:logs scope`, {
        retryable: false,
        status: 403,
      });
    if (res.status === 429) {
      throw new DeliveryError('Auth0 rate limit reached (429)', {
        retryable: true,
        status: 429,
        retryAfterMs: resetWait(res.headers) ?? 1000,
      });
    }
    throw new DeliveryError(`Auth0 logs request failed with ${res.status}${why ? `: ${why}` : ''}`, {
      retryable: res.status >= 500 || res.status === 408,
      status: res.status,
    });
  }

  private noteRate(h: HttpResponse['headers']): void {
    const remaining = Number(h.get('x-ratelimit-remaining'));
    const reset = Number(h.get('x-ratelimit-reset'));
    if (h.has('x-ratelimit-remaining') && Number.isFinite(remaining) && Number.isFinite(reset)) {
      this.rate = { remaining, resetAtMs: reset * 1000 };
    }
  }
}

/** The `rel="next"` URL of an RFC 8288 Link header, if any. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(m[2]!)) return m[1]!;
  }
  return null;
}

/** x-ratelimit-reset is epoch seconds; Retry-After (if any) seconds. */
function resetWait(h: HttpResponse['headers']): number | undefined {
  const reset = Number(h.get('x-ratelimit-reset'));
  if (h.has('x-ratelimit-reset') && Number.isFinite(reset)) return Math.max(0, reset * 1000 - Date.now());
  const ra = Number(h.get('retry-after'));
  return h.has('retry-after') && Number.isFinite(ra) ? ra * 1000 : undefined;
}

/** The API's message, never the request: error bodies are `{statusCode, error, message}` or OAuth `{error, error_description}`. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; error_description?: unknown; error?: unknown };
    const m = j.message ?? j.error_description ?? j.error;
    return typeof m === 'string' ? m.slice(0, 300) : '';
  } catch {
    return text.slice(0, 200).replace(/\s+/g, ' ').trim();
  }
}

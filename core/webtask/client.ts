/**
 * The webtask HTTP client: the only code that puts a token on the wire (REST: Bearer header).
 * Speaks the protocol as the real `wt` CLI does (docs/webtask-protocol.md).
 * Every failure becomes a HostError whose message never holds the token.
 */
import type { Readable } from 'node:stream';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { HostError } from '../util/errors';
import { originOf } from './origin';

export interface WebtaskClientOptions {
  url: string;
  token: string;
  /** The origin the token was saved for; a client whose URL is elsewhere is refused (core/host/tokens.ts). */
  tokenOrigin?: string;
  timeoutMs?: number;
  /** Responses larger than this are refused (a misbehaving cluster must not exhaust memory). */
  maxBodyBytes?: number;
  dispatcher?: Dispatcher;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  elapsedMs: number;
}

type Query = Record<string, string | number | boolean | undefined | Array<string>>;

const sharedAgent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
// One pool for every log tail (see `openLogStream`).
const logStreamAgent = new Agent({ keepAliveTimeout: 1_000, connections: 64, pipelining: 0 });

export class WebtaskClient {
  readonly url: string;
  /** The only origin this client sends its token to (scheme://host:port). */
  readonly origin: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly dispatcher: Dispatcher;

  constructor(opts: WebtaskClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.origin = originOf(this.url);
    if (opts.tokenOrigin !== undefined && opts.tokenOrigin !== this.origin) {
      throw new HostError(
        'unauthorized',
        `This token was saved for ${opts.tokenOrigin}, not ${this.origin}: enter it again for the new address.`,
      );
    }
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.dispatcher = opts.dispatcher ?? sharedAgent;
  }

  /** A v2 token is a JWT whose header says `typ: "JWT"`; anything else is v1 (opaque). */
  static tokenKind(token: string): 'v1' | 'v2' {
    const [head] = token.split('.');
    if (!head || token.split('.').length !== 3) return 'v1';
    try {
      const header: unknown = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
      return header && typeof header === 'object' && (header as { typ?: unknown }).typ === 'JWT' ? 'v2' : 'v1';
    } catch {
      return 'v1';
    }
  }

  buildUrl(path: string, query?: Query): URL {
    const u = new URL(this.url + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === false) continue;
      if (Array.isArray(v)) for (const item of v) u.searchParams.append(k, item);
      else u.searchParams.set(k, String(v));
    }
    return u;
  }

  /** One HTTP exchange; the status is not judged here (see `json`). */
  async raw(
    method: string,
    path: string,
    opts: {
      query?: Query;
      body?: string | Buffer;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      auth?: boolean;
      /** With auth: the token goes only to this path or below it (e.g. `/api/run/{c}/{name}`), else the call is refused. */
      authScope?: string;
    } = {},
  ): Promise<RawResponse> {
    const target = this.buildUrl(path, opts.query);
    const headers: Record<string, string> = { 'user-agent': 'extend-support-console', ...(opts.headers ?? {}) };
    if (opts.auth !== false) {
      this.assertMayCarryToken(target, opts.authScope);
      headers.authorization = `Bearer ${this.token}`;
    }
    const started = performance.now();
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    let res: Dispatcher.ResponseData;
    try {
      // undici's request() never follows a redirect (no redirect interceptor on this dispatcher): a 30x comes
      // back as an answer, so the token is never replayed to wherever a Location header points.
      res = await request(target, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: opts.body,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw this.networkError(err, target, opts.signal);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > this.maxBodyBytes) {
          res.body.destroy();
          const limit =
            this.maxBodyBytes >= 1048576 ? `${Math.round(this.maxBodyBytes / 1048576)} MB` : `${Math.round(this.maxBodyBytes / 1024)} KB`;
          throw new HostError('too_large', `The cluster sent more than ${limit} for ${method} ${target.pathname}; refused.`);
        }
        chunks.push(buf);
      }
    } catch (err) {
      if (err instanceof HostError) throw err;
      throw this.networkError(err, target, opts.signal);
    }
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, body: Buffer.concat(chunks), elapsedMs: performance.now() - started };
  }

  /** The token reaches the wire only for this client's own origin, and (when given) only inside `scope`. */
  private assertMayCarryToken(target: URL, scope: string | undefined): void {
    if (originOf(target) !== this.origin) {
      throw new HostError('forbidden', `Refused: the token is bound to ${this.origin} and is never sent to ${originOf(target)}.`);
    }
    if (scope !== undefined) {
      const base = new URL(this.url).pathname.replace(/\/+$/, '');
      const inside = base + scope;
      if (target.pathname !== inside && !target.pathname.startsWith(`${inside}/`)) {
        throw new HostError('forbidden', `Refused: the token is only sent to ${scope} and below, not to ${target.pathname}.`);
      }
    }
  }

  /** A JSON call: a >= 400 status becomes a HostError carrying the server's own message, as `wt` prints it. */
  async json<T = unknown>(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const res = await this.raw(method, path, {
      query: opts.query,
      signal: opts.signal,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      headers:
        opts.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    });
    if (res.status >= 400) throw WebtaskClient.statusError(res, `${method} ${path}`);
    if (res.status === 204 || res.body.length === 0) return undefined as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new HostError(
        'bad_response',
        `The cluster answered ${method} ${path} with something that is not JSON (${res.body.length} bytes, ${res.headers['content-type'] ?? 'no content type'}).`,
      );
    }
  }

  /**
   * One request of a container's live log stream (SSE). The protocol authenticates it with `?key=`
   * (as `wt logs` does), so the URL holds the token: it is built and used here only, and no caller sees
   * it. The answer is not judged here (the log client decides what a non-stream answer means); the body
   * is a stream the caller must consume or destroy. No timeout on the body: a tail is silent for as
   * long as the container is, and the caller judges silence by its pings.
   */
  async openLogStream(
    container: string,
    opts: { lastEventId?: string; signal?: AbortSignal } = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: Readable }> {
    const path = `/api/logs/tenant/${encodeURIComponent(container)}`;
    const target = this.buildUrl(path, { key: this.token });
    // The same rule as every REST call: this origin, and this container's stream only.
    this.assertMayCarryToken(target, path);
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      'user-agent': 'extend-support-console',
    };
    if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(target, {
        method: 'GET',
        headers,
        signal: opts.signal,
        // A tail holds its connection for as long as it runs: never from the pool REST calls wait on.
        dispatcher: this.dispatcher === sharedAgent ? logStreamAgent : this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: 0,
      });
    } catch (err) {
      throw this.networkError(err, target, opts.signal);
    }
    // An aborted body with no listener would throw in the process: the caller adds its own too.
    res.body.on('error', () => undefined);
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, body: res.body };
  }

  /** Maps an error status to the contract's codes, keeping the server's message (it is what support engineers search for). */
  static statusError(res: RawResponse, what: string): HostError {
    let serverMessage: string | undefined;
    let reqId: string | undefined;
    try {
      const body = JSON.parse(res.body.toString('utf8')) as { message?: unknown; error?: unknown; req_id?: unknown };
      if (typeof body.message === 'string') serverMessage = body.message;
      else if (typeof body.error === 'string') serverMessage = body.error;
      if (typeof body.req_id === 'string') reqId = body.req_id;
    } catch {
      /* not JSON: fall back to the status */
    }
    const message = serverMessage ?? `${what} failed with HTTP ${res.status}`;
    const detail = { status: res.status, ...(reqId ? { reqId } : {}) };
    if (res.status === 401) return new HostError('unauthorized', message, detail);
    if (res.status === 403) return new HostError('forbidden', message, detail);
    if (res.status === 404) return new HostError('not_found', message, detail);
    if (res.status === 409) return new HostError('conflict', message, detail);
    if (res.status === 413) return new HostError('too_large', message, detail);
    if (res.status === 400) return new HostError('invalid_input', message, detail);
    return new HostError('bad_response', message, detail);
  }

  private networkError(err: unknown, target: URL, userSignal?: AbortSignal): HostError {
    const where = `${target.protocol}//${target.host}`;
    if (userSignal?.aborted) return new HostError('cancelled', 'Cancelled.');
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      (err as Error).name === 'TimeoutError' ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    ) {
      return new HostError('timeout', `${where} did not answer within ${Math.round(this.timeoutMs / 1000)} s.`);
    }
    const reasons: Record<string, string> = {
      ECONNREFUSED: 'connection refused: is the cluster running at this address?',
      ENOTFOUND: 'no such host',
      EAI_AGAIN: 'the host name could not be resolved',
      ECONNRESET: 'the connection was reset',
      UND_ERR_SOCKET: 'the connection was closed unexpectedly',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      CERT_HAS_EXPIRED: 'its TLS certificate has expired',
      DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
    };
    const reason = (code && reasons[code]) ?? (code ? `network error ${code}` : 'network error');
    return new HostError('unreachable', `Cannot reach ${where}: ${reason}.`, code ? { code } : undefined);
  }
}

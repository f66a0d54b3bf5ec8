// An Auth0 tenant's Management API routing: client-credential tokens and /api/v2/logs in checkpoint
// and search mode exactly as Auth0's docs describe them (see core/export/README.md, "The source, as
// documented"), with x-ratelimit-* headers, 429s, `Link: rel=next`, and Auth0's error bodies for
// whatever the docs do not describe. The data model is ./tenant.ts. Usable on a plain node http
// server (tests) or mounted into the emulator by ./index.ts.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, readBody } from '../http';
import type { Mount } from '../types';
import { Auth0Tenant, type Auth0TenantOptions } from './tenant';

export { Auth0Tenant, type Auth0TenantOptions, type Auth0Stats } from './tenant';

/** Auth0's error body shape. */
class Auth0Error extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? body.error_description ?? body.error));
  }
}
const mgmtError = (status: number, error: string, message: string, errorCode?: string) =>
  new Auth0Error(status, { statusCode: status, error, message, ...(errorCode ? { errorCode } : {}) });

export interface Auth0ApiOptions {
  /** URL prefix, default /auth0 (so /auth0/{tenant}/oauth/token). */
  prefix?: string;
  /** Options for a tenant asked for by name that was not created: null refuses (404). */
  autoTenant?: (name: string) => Auth0TenantOptions | null;
}

export interface Auth0Api {
  mount: Mount;
  tenants: Map<string, Auth0Tenant>;
  createTenant(name: string, opts?: Auth0TenantOptions): Auth0Tenant;
  tenant(name: string): Auth0Tenant | undefined;
  close(): void;
}

const TENANT = /^[A-Za-z0-9_.-]{1,128}$/;

export function createAuth0Api(opts: Auth0ApiOptions = {}): Auth0Api {
  const prefix = (opts.prefix ?? '/auth0').replace(/\/$/, '');
  const tenants = new Map<string, Auth0Tenant>();

  const api: Auth0Api = {
    tenants,
    createTenant(name, o) {
      if (!TENANT.test(name)) throw new Error(`invalid tenant name ${name}`);
      tenants.get(name)?.stop();
      const t = new Auth0Tenant(name, o);
      tenants.set(name, t);
      return t;
    },
    tenant(name) {
      let t = tenants.get(name);
      if (!t && opts.autoTenant && TENANT.test(name)) {
        const o = opts.autoTenant(name);
        if (o) t = api.createTenant(name, o);
      }
      return t;
    },
    close() {
      for (const t of tenants.values()) t.stop();
    },
    mount: {
      prefix: `${prefix}/`,
      async handle(req, res, url) {
        try {
          await route(req, res, url);
        } catch (e) {
          if (e instanceof Auth0Error) return send(res, e.status, JSON.stringify(e.body), e.headers);
          if (e instanceof ApiError)
            return send(res, e.status, JSON.stringify({ statusCode: e.status, error: 'Bad Request', message: e.message }));
          send(res, 500, JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: (e as Error).message }));
        }
      },
    },
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(prefix.length + 1);
    const slash = rest.indexOf('/');
    const name = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const path = slash < 0 ? '/' : rest.slice(slash);
    const tenant = api.tenant(name);
    if (!tenant) throw mgmtError(404, 'Not Found', `no Auth0 tenant "${name.slice(0, 80)}" in this emulator`);
    const method = req.method ?? 'GET';
    if (path === '/oauth/token') {
      if (method !== 'POST') throw mgmtError(405, 'Method Not Allowed', 'use POST');
      return token(req, res, tenant, name);
    }
    if (path === '/_stats' && method === 'GET') return send(res, 200, JSON.stringify(tenant.stat()));
    if (path === '/api/v2/logs' || path.startsWith('/api/v2/logs/')) {
      if (method !== 'GET') throw mgmtError(405, 'Method Not Allowed', `${method} is not allowed on ${path}`);
      tenant.stats.requests++;
      tenant.noteRequest(path + url.search);
      authorize(req, tenant);
      const rate = tenant.takeRate();
      if (rate.limited) {
        tenant.stats.rateLimited++;
        const e = mgmtError(429, 'Too Many Requests', 'Global limit has been reached', 'too_many_requests');
        throw new Auth0Error(429, e.body, rate.headers);
      }
      if (path === '/api/v2/logs') {
        const r = logs(req, url, tenant, name);
        return send(res, 200, r.body, r.link ? { ...rate.headers, link: r.link } : rate.headers);
      }
      const one = tenant.getOne(decodeURIComponent(path.slice('/api/v2/logs/'.length)));
      if (!one)
        throw new Auth0Error(
          404,
          { statusCode: 404, error: 'Not Found', message: 'log not found', errorCode: 'inexistent_log' },
          rate.headers,
        );
      return send(res, 200, one, rate.headers);
    }
    throw mgmtError(404, 'Not Found', `no such endpoint: ${method} ${path}`);
  }

  async function token(req: IncomingMessage, res: ServerResponse, tenant: Auth0Tenant, name: string): Promise<void> {
    const raw = (await readBody(req, 64 * 1024)).toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')
        ? Object.fromEntries(new URLSearchParams(raw))
        : (JSON.parse(raw || '{}') as Record<string, unknown>);
    } catch {
      throw new Auth0Error(400, { error: 'invalid_request', error_description: 'The request body is not valid JSON.' });
    }
    if (body.grant_type !== 'client_credentials')
      throw new Auth0Error(403, {
        error: 'unauthorized_client',
        error_description: `Grant type '${String(body.grant_type ?? '')}' not allowed for the client.`,
      });
    const client = tenant.clients.find((c) => c.clientId === body.client_id);
    if (!client || client.clientSecret !== body.client_secret)
      throw new Auth0Error(401, { error: 'access_denied', error_description: 'Unauthorized' });
    const host = req.headers.host ?? '127.0.0.1';
    const audiences = [
      `http://${host}${prefix}/${name}/api/v2/`,
      `https://${host}${prefix}/${name}/api/v2/`,
      `https://${name}.auth0.com/api/v2/`,
    ];
    if (typeof body.audience !== 'string' || !audiences.includes(body.audience))
      throw new Auth0Error(403, {
        error: 'access_denied',
        error_description: `Service not enabled within domain: ${String(body.audience ?? '')}`,
      });
    const value = randomBytes(24).toString('base64url');
    tenant.tokens.set(value, { expiresAt: Date.now() + tenant.tokenTtlSec * 1000, scopes: client.scopes ?? ['read:logs'] });
    tenant.stats.tokensIssued++;
    // Forget long-dead tokens so a long demo does not grow the map without bound.
    if (tenant.tokens.size > 1000) for (const [k, v] of tenant.tokens) if (v.expiresAt < Date.now() - 3600_000) tenant.tokens.delete(k);
    send(
      res,
      200,
      JSON.stringify({
        access_token: value,
        token_type: 'Bearer',
        expires_in: tenant.tokenTtlSec,
        scope: (client.scopes ?? ['read:logs']).join(' '),
      }),
    );
  }

  function authorize(req: IncomingMessage, tenant: Auth0Tenant): void {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    const fail = (message: string) => {
      tenant.stats.unauthorized++;
      return new Auth0Error(401, { statusCode: 401, error: 'Unauthorized', message, attributes: { error: message } });
    };
    if (!m) throw fail('Missing authentication');
    const t = tenant.tokens.get(m[1]!);
    if (!t) throw fail('Invalid token');
    if (t.expiresAt <= Date.now()) throw fail('Expired token received for JSON Web Token validation');
    if (!t.scopes.includes('read:logs'))
      throw new Auth0Error(403, {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Insufficient scope, expected any of: read:logs',
        errorCode: 'insufficient_scope',
      });
  }

  /**
   * GET /api/v2/logs. Checkpoint mode when `from` is given ("Any parameter other than from and take
   * will be ignored"), answered with a `Link: rel=next` URL; search mode otherwise. `take` without
   * `from` is described nowhere, so it is refused rather than guessed at.
   */
  function logs(req: IncomingMessage, url: URL, tenant: Auth0Tenant, name: string): { body: string; link?: string } {
    const q = url.searchParams;
    const bad = (message: string) => {
      tenant.stats.refused++;
      return mgmtError(400, 'Bad Request', `Invalid request query string. The message is: ${message}`, 'invalid_query_string');
    };
    const int = (k: string, def: number, min: number, max: number) => {
      const v = q.get(k);
      if (v === null || v === '') return def;
      if (!/^\d+$/.test(v)) throw bad(`Query validation error: '${k}' must be an integer`);
      const n = Number(v);
      if (n < min || n > max) throw bad(`Query validation error: '${k}' must be between ${min} and ${max}`);
      return n;
    };
    const from = q.get('from');
    if (from !== null && from !== '') {
      if (!/^\d{1,56}$/.test(from)) throw bad(`Query validation error: 'from' must be a log_id`);
      const take = int('take', 50, 1, 100);
      const { body, lastId } = tenant.checkpointPage(from, take);
      // The next relation: after the last log returned, or (for an empty page) the same URL as this request.
      const last = lastId ?? from;
      const host = req.headers.host ?? '127.0.0.1';
      const next = `http://${host}${prefix}/${encodeURIComponent(name)}/api/v2/logs?from=${last}&take=${take}`;
      return { body, link: `<${next}>; rel="next"` };
    }
    if (q.has('take'))
      throw bad("Query validation error: 'take' is only valid with 'from' (checkpoint mode); use page and per_page to search");
    const page = int('page', 0, 0, 1000);
    const perPage = int('per_page', 50, 1, 100);
    if ((page + 1) * perPage > 1000)
      throw bad('You can only page through the first 1,000 records. Use checkpoint pagination (from, take) to read further.');
    const sortRaw = q.get('sort') ?? 'date:-1';
    if (!/^date:-?1$/.test(sortRaw)) throw bad(`Query validation error: 'sort' must be date:1 or date:-1`);
    const terms: Array<[string, string]> = [];
    const qs = (q.get('q') ?? '').trim();
    if (qs) {
      for (const part of qs.split(/\s+AND\s+|\s+/)) {
        const m = /^([a-z_]+):"?([^"]*)"?$/.exec(part);
        if (!m) throw bad(`Query validation error: unsupported q term "${part.slice(0, 60)}" (use field:value)`);
        terms.push([m[1]!, m[2]!]);
      }
    }
    return {
      body: tenant.search({
        page,
        perPage,
        sort: sortRaw.endsWith('-1') ? -1 : 1,
        q: terms,
        includeTotals: q.get('include_totals') === 'true',
      }),
    };
  }

  return api;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_TYPES } from '../../core/export/log-types';
import { type ExportServer, TEST_CLIENT, addTenant, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
  addTenant(s, 'acme', { seedCount: 1500 });
  addTenant(s, 'short', { seedCount: 10, tokenTtlSec: 1 });
  addTenant(s, 'limited', { seedCount: 10, rateLimit: { limit: 3, windowSec: 1 } });
  s.auth0.createTenant('noscope', { clients: [{ ...TEST_CLIENT, scopes: ['read:users'] }], seedCount: 1 });
});
afterAll(() => s.close());

async function token(tenant: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${s.url}/auth0/${tenant}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: TEST_CLIENT.clientId,
      client_secret: TEST_CLIENT.clientSecret,
      audience: `${s.url}/auth0/${tenant}/api/v2/`,
      ...body,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function logs(tenant: string, query: string, tok?: string) {
  const t = tok ?? ((await token(tenant)).body.access_token as string);
  const res = await fetch(`${s.url}/auth0/${tenant}/api/v2/logs?${query}`, { headers: { authorization: `Bearer ${t}` } });
  return { res, body: (await res.json()) as unknown };
}

describe('Auth0 /oauth/token', () => {
  it('issues a client-credentials token with expires_in', async () => {
    const r = await token('acme');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'read:logs' });
    expect(typeof r.body.access_token).toBe('string');
  });

  it.each([
    [{ client_secret: 'wrong' }, 401, 'access_denied'],
    [{ client_id: 'nobody' }, 401, 'access_denied'],
    [{ grant_type: 'password' }, 403, 'unauthorized_client'],
    [{ audience: 'https://other.example.com/api/v2/' }, 403, 'access_denied'],
  ])('refuses %j', async (patch, status, error) => {
    const r = await token('acme', patch);
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
  });

  it('answers 404 for an unknown tenant and 400 for a malformed body', async () => {
    expect((await token('ghost')).status).toBe(404);
    const res = await fetch(`${s.url}/auth0/acme/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(res.status).toBe(400);
  });
});

describe('Auth0 /api/v2/logs', () => {
  it('checkpoint mode: pages ordered by 56-digit log_id, from exclusive, a Link rel=next after each, [] and the same URL at the head', async () => {
    const t = (await token('acme')).body.access_token as string;
    const seen: string[] = [];
    const first = s.auth0.tenant('acme')!.allIds()[0]!;
    seen.push(first);
    // Only the first request is built by hand; every later one is the Link header's next URL.
    let next = `${s.url}/auth0/acme/api/v2/logs?from=${first}&take=100`;
    for (let i = 0; i < 20; i++) {
      const res = await fetch(next, { headers: { authorization: `Bearer ${t}` } });
      const page = (await res.json()) as Array<{ log_id: string }>;
      const link = res.headers.get('link');
      expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/auth0\/acme\/api\/v2\/logs\?from=\d{56}&take=100>; rel="next"$/);
      const url = /^<([^>]+)>/.exec(link!)![1]!;
      if (page.length === 0) {
        expect(new URL(url).searchParams.get('from')).toBe(new URL(next).searchParams.get('from'));
        break;
      }
      seen.push(...page.map((l) => l.log_id));
      expect(new URL(url).searchParams.get('from')).toBe(page.at(-1)!.log_id);
      next = url;
    }
    expect(seen.length).toBe(1500);
    expect(new Set(seen).size).toBe(1500);
    expect(seen.every((id) => /^\d{56}$/.test(id))).toBe(true);
    expect([...seen].sort()).toEqual(seen);
  });

  it("refuses what the docs do not describe, with Auth0's error body: take without from", async () => {
    const before = s.auth0.tenant('acme')!.stat().refused;
    const r = await logs('acme', 'take=100');
    expect(r.res.status).toBe(400);
    expect(r.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringMatching(/^Invalid request query string\. The message is: .*'take' is only valid with 'from'/) as unknown,
      errorCode: 'invalid_query_string',
    });
    expect(s.auth0.tenant('acme')!.stat().refused).toBe(before + 1);
  });

  it('checkpoint mode ignores every parameter other than from and take, as documented', async () => {
    const all = s.auth0.tenant('acme')!.allIds();
    const r = await logs('acme', `from=${all[9]}&take=3&q=type:zzz&sort=date:-1&page=7&per_page=1`);
    expect((r.body as Array<{ log_id: string }>).map((l) => l.log_id)).toEqual(all.slice(10, 13));
  });

  it('serves realistic events: known types, ISO dates, non-ASCII text', async () => {
    const all = s.auth0.tenant('acme')!.all();
    expect(all.every((l) => LOG_TYPES.has(l.type))).toBe(true);
    expect(new Set(all.map((l) => l.type)).size).toBeGreaterThan(20);
    expect(all.every((l) => !Number.isNaN(Date.parse(l.date)))).toBe(true);
    expect(all.some((l) => /[^ -~]/.test(JSON.stringify(l)))).toBe(true);
    expect(Object.keys(all[0]!)).toEqual(
      expect.arrayContaining([
        'log_id',
        'date',
        'type',
        'description',
        'client_id',
        'client_name',
        'ip',
        'user_agent',
        'details',
        'user_id',
        'user_name',
        'connection',
        'strategy',
      ]),
    );
  });

  it('refuses take > 100 and a malformed from', async () => {
    const a = await logs('acme', 'from=1&take=101');
    expect(a.res.status).toBe(400);
    expect((a.body as { message: string }).message).toMatch(/take/);
    const b = await logs('acme', 'from=abc&take=10');
    expect(b.res.status).toBe(400);
  });

  it('search mode: page/per_page/sort, capped at the first 1,000 results', async () => {
    const asc = (await logs('acme', 'page=0&per_page=5&sort=date:1')).body as Array<{ log_id: string }>;
    const desc = (await logs('acme', 'page=0&per_page=5&sort=date:-1')).body as Array<{ log_id: string }>;
    const all = s.auth0.tenant('acme')!.allIds();
    expect(asc.map((l) => l.log_id)).toEqual(all.slice(0, 5));
    expect(desc.map((l) => l.log_id)).toEqual(all.slice(-5).reverse());
    const totals = (await logs('acme', 'page=1&per_page=10&include_totals=true&q=type:s')).body as {
      logs: Array<{ type: string }>;
      start: number;
    };
    expect(totals.start).toBe(10);
    expect(totals.logs.every((l) => l.type === 's')).toBe(true);
    const capped = await logs('acme', 'page=10&per_page=100');
    expect(capped.res.status).toBe(400);
    expect((capped.body as { message: string }).message).toMatch(/first 1,000 records/);
  });

  it('401 without, with a bad, or with an expired token; 403 without read:logs', async () => {
    const none = await fetch(`${s.url}/auth0/acme/api/v2/logs?per_page=1`);
    expect(none.status).toBe(401);
    expect((await logs('acme', 'per_page=1', 'bogus')).res.status).toBe(401);
    const t = (await token('short')).body.access_token as string;
    expect((await logs('short', 'per_page=1', t)).res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await logs('short', 'per_page=1', t);
    expect(expired.res.status).toBe(401);
    expect((expired.body as { message: string }).message).toMatch(/Expired token/);
    expect((await logs('noscope', 'per_page=1')).res.status).toBe(403);
  });

  it('x-ratelimit-* headers on every answer and 429 past the limit', async () => {
    const t = (await token('limited')).body.access_token as string;
    let statuses: number[] = [];
    let last: Response | undefined;
    // The five requests must share one window. Start at a window's start; if a busy machine still
    // lets them straddle its end (the reset header changes), try again in a later window (bounded).
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
      statuses = [];
      const resets = new Set<string | null>();
      for (let i = 0; i < 5; i++) {
        last = (await logs('limited', 'per_page=1', t)).res;
        statuses.push(last.status);
        resets.add(last.headers.get('x-ratelimit-reset'));
      }
      if (resets.size === 1) break;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('3');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(last!.headers.get('x-ratelimit-reset'));
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset * 1000 - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, reset * 1000 - Date.now() + 10));
    expect((await logs('limited', 'per_page=1', t)).res.status).toBe(200);
  });

  it('generates events at a chosen rate', async () => {
    const t0 = Date.now();
    const t = addTenant(s, 'live', { rate: 200 });
    // Wait for 100 events rather than a fixed time (bounded: 10 s would make only 20 at the default 2/s).
    for (let i = 0; i < 400 && t.count < 100; i++) await new Promise((r) => setTimeout(r, 25));
    t.stop();
    expect(t.count).toBeGreaterThanOrEqual(100);
    // Never more than the rate allows for the time that passed (a busy machine only adds time).
    expect(t.count).toBeLessThanOrEqual(((Date.now() - t0) / 1000) * 200 + 5);
  });
});

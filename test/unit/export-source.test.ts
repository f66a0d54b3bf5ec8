// The source's retry rules with a scripted HTTP function: which answers are retried, how long it
// waits, when it gives up. (The integration tests drive the same code against the emulator.)
import { describe, expect, it } from 'vitest';
import { parseExportConfig } from '../../core/export/config';
import type { HttpFn, HttpResponse } from '../../core/export/http';
import { Auth0LogSource, nextLink } from '../../core/export/source';

const cfg = parseExportConfig({
  AUTH0_DOMAIN: 'http://127.0.0.1:1/auth0/t',
  AUTH0_CLIENT_ID: 'c',
  AUTH0_CLIENT_SECRET: 's-123456789',
  LOGSTASH_URL: 'http://127.0.0.1:1/ls',
  MAX_RETRIES: 3,
  RETRY_BASE_MS: 5,
  RETRY_MAX_MS: 20,
});

function reply(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const h = new Map(Object.entries(headers));
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (n) => h.get(n) ?? null, has: (n) => h.has(n) },
    text: async () => (typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

/** Token requests always succeed; log requests get the scripted answers in order. */
function scripted(answers: Array<() => HttpResponse>) {
  const calls: Array<{ url: string; at: number; auth?: string }> = [];
  let tokens = 0;
  const http: HttpFn = async (url, init) => {
    if (url.endsWith('/oauth/token')) return reply(200, { access_token: `tok${++tokens}`, expires_in: 3600 });
    calls.push({ url, at: Date.now(), auth: init.headers?.authorization });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  };
  return { http, calls, tokens: () => tokens };
}

const page = [{ log_id: '1'.padStart(56, '0'), type: 's' }];
const signal = new AbortController().signal;

describe('Auth0 log source', () => {
  it('asks in checkpoint mode (from and take) from a checkpoint, then follows Link rel=next', async () => {
    const next = `http://127.0.0.1:1/auth0/t/api/v2/logs?from=${'1'.padStart(56, '0')}&take=100&opaque=x`;
    const s = scripted([() => reply(200, page, { link: `<${next}>; rel="next"` }), () => reply(200, [])]);
    const src = new Auth0LogSource(cfg, s.http);
    await src.fetchPage('9'.repeat(56), 100, signal);
    await src.fetchPage(page[0]!.log_id, 100, signal);
    expect(s.calls.map((c) => c.url)).toEqual([`http://127.0.0.1:1/auth0/t/api/v2/logs?from=${'9'.repeat(56)}&take=100`, next]);
  });

  it('with no checkpoint asks in search mode, oldest first, then continues in checkpoint mode without repeating a log', async () => {
    const id = (n: number) => String(n).padStart(56, '0');
    // Dates and ids disagree on the first page: ordered by date, log 3 comes before log 2.
    const first = [{ log_id: id(1) }, { log_id: id(3) }, { log_id: id(2) }];
    const s = scripted([
      () => reply(200, first),
      () => reply(200, [{ log_id: id(2) }, { log_id: id(3) }, { log_id: id(4) }]),
      () => reply(200, []),
    ]);
    const src = new Auth0LogSource(cfg, s.http);
    expect(await src.fetchPage(null, 3, signal)).toEqual(first);
    expect(await src.fetchPage(id(2), 3, signal)).toEqual([{ log_id: id(4) }]);
    expect(s.calls.map((c) => new URL(c.url).search)).toEqual([
      '?page=0&per_page=3&sort=date%3A1',
      `?from=${id(1)}&take=3`,
      `?from=${id(4)}&take=3`,
    ]);
  });

  it('never follows a Link to another host (the token would go with it)', async () => {
    const s = scripted([
      () => reply(200, page, { link: '<https://evil.example/api/v2/logs?from=1&take=100>; rel="next"' }),
      () => reply(200, []),
    ]);
    const src = new Auth0LogSource(cfg, s.http);
    await src.fetchPage('9'.repeat(56), 100, signal);
    await src.fetchPage(page[0]!.log_id, 100, signal);
    expect(s.calls[1]!.url).toBe(`http://127.0.0.1:1/auth0/t/api/v2/logs?from=${page[0]!.log_id}&take=100`);
  });

  it('reads the next relation of a Link header', () => {
    expect(nextLink('<https://a/x?from=1&take=2>; rel="next"')).toBe('https://a/x?from=1&take=2');
    expect(nextLink('<https://a/p>; rel="prev", <https://a/n>; rel=next')).toBe('https://a/n');
    expect(nextLink('<https://a/p>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  it('waits for x-ratelimit-reset after a 429, and before asking when no request remains', async () => {
    const resetSoon = () => String(Math.ceil((Date.now() + 300) / 1000));
    const s = scripted([
      () => reply(429, { message: 'Too Many Requests' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetSoon() }),
      () => reply(200, page, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetSoon() }),
      () => reply(200, page),
    ]);
    const src = new Auth0LogSource(cfg, s.http);
    await src.fetchPage(null, 100, signal);
    await src.fetchPage(null, 100, signal);
    const [a, b, c] = s.calls;
    // Reset is in whole epoch seconds: the waits end at a second boundary.
    expect(Math.floor(b!.at / 1000)).toBeGreaterThan(Math.floor(a!.at / 1000));
    expect(Math.floor(c!.at / 1000)).toBeGreaterThan(Math.floor(b!.at / 1000));
  });

  it('renews the token on a 401 and retries at once', async () => {
    const s = scripted([() => reply(401, { message: 'Expired token received for JSON Web Token validation' }), () => reply(200, page)]);
    const retries: string[] = [];
    const logs = await new Auth0LogSource(cfg, s.http, { onRetry: (r) => retries.push(r.reason) }).fetchPage(null, 100, signal);
    expect(logs).toEqual(page);
    expect(s.calls.map((c) => c.auth)).toEqual(['Bearer tok1', 'Bearer tok2']);
    expect(retries).toEqual(['token rejected (401), renewing it']);
  });

  it('gives up on repeated 401s, and at once on 403, with the fix in the message', async () => {
    const s = scripted(Array.from({ length: 10 }, () => () => reply(401, { message: 'Invalid token' })));
    await expect(new Auth0LogSource(cfg, s.http).fetchPage(null, 100, signal)).rejects.toThrow(
      /unauthorized \(401: Invalid token\).*after renewing the token 3 times/,
    );
    const f = scripted([() => reply(403, { message: 'Insufficient scope, expected any of: read:logs' })]);
    await expect(new Auth0LogSource(cfg, f.http).fetchPage(null, 100, signal)).rejects.toThrow(/grant the application the read:logs scope/);
    expect(f.calls).toHaveLength(1);
  });

  it('retries 5xx, truncated JSON and network errors with backoff, then gives up after MAX_RETRIES', async () => {
    const s = scripted([
      () => reply(503, 'busy'),
      () => reply(200, '[{"log_id":'),
      () => {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
      () => reply(200, page),
    ]);
    expect(await new Auth0LogSource(cfg, s.http).fetchPage(null, 100, signal)).toEqual(page);
    expect(s.calls).toHaveLength(4);
    const g = scripted(Array.from({ length: 10 }, () => () => reply(500, { message: 'boom' })));
    await expect(new Auth0LogSource(cfg, g.http).fetchPage(null, 100, signal)).rejects.toThrow(
      /failed with 500: boom \(gave up after 3 retries\)/,
    );
    expect(g.calls).toHaveLength(4);
  });

  it('refuses an answer that is not a list of logs', async () => {
    const s = scripted([() => reply(200, { logs: [] })]);
    await expect(new Auth0LogSource(cfg, s.http).fetchPage(null, 100, signal)).rejects.toThrow(/not an array/);
    const t = scripted([() => reply(200, [{ id: 1 }])]);
    await expect(new Auth0LogSource(cfg, t.http).fetchPage(null, 100, signal)).rejects.toThrow(/without log_id/);
  });

  it('stops waiting when cancelled', async () => {
    const ac = new AbortController();
    const s = scripted([
      () => reply(429, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30) }),
    ]);
    const p = new Auth0LogSource(cfg, s.http).fetchPage(null, 100, ac.signal);
    // Cancel once the 429 is answered, while the source waits out its 30 s reset: the test's own
    // time-out (10 s) is what fails a source that does not stop waiting.
    for (let i = 0; i < 1000 && s.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(s.calls).toHaveLength(1);
    ac.abort();
    await expect(p).rejects.toThrow(/cancelled/);
    expect(s.calls).toHaveLength(1);
  });
});

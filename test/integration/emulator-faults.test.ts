// Fault injection: a generic layer before every handler, driven in-process and by the admin API.
import { describe, expect, it, afterEach } from 'vitest';
import { request } from 'node:http';
import { api, useEmulator } from '../helpers/emulator';

const emu = useEmulator({ seed: 'demo', logPingMs: 100 });

afterEach(() => emu().faults.clear());

/** A raw GET that reports how the connection ended (fetch hides truncation details). */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status?: number; body: string; error?: string; complete: boolean }> {
  return new Promise((resolve) => {
    let body = '';
    let status: number | undefined;
    const req = request(url, { headers }, (res) => {
      status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status, body, complete: res.complete }));
      res.on('aborted', () => resolve({ status, body, error: 'aborted', complete: false }));
      res.on('error', (e) => resolve({ status, body, error: e.message, complete: false }));
    });
    req.on('error', (e) => resolve({ status, body, error: e.message, complete: false }));
    req.end();
  });
}

describe('fault injection', () => {
  it('adds latency to matching requests only', async () => {
    const rule = emu().faults.add({ path: '/api/webtask/globex', latencyMs: 800 });
    const t0 = performance.now();
    await api(emu(), '/api/webtask/globex');
    // A lower bound only: a busy machine makes a request slower, never faster.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(790);
    const hits = () =>
      emu()
        .faults.list()
        .find((r) => r.id === rule.id)!.hits;
    expect(hits()).toBe(1);
    // The other container's request is not matched (not delayed): the rule's count stays.
    expect((await api(emu(), '/api/webtask/initech')).status).toBe(200);
    expect(hits()).toBe(1);
  });

  it('answers an error status for a limited count, then lets requests through', async () => {
    const rule = emu().faults.add({ method: 'GET', pathRegex: '^/api/webtask/acme-prod$', status: 503, count: 2 });
    expect((await api(emu(), '/api/webtask/acme-prod')).status).toBe(503);
    const second = await api<{ code: number; message: string; req_id: string }>(emu(), '/api/webtask/acme-prod');
    expect(second.body).toMatchObject({ code: 503, message: 'fault injected: HTTP 503' });
    expect((await api(emu(), '/api/webtask/acme-prod')).status).toBe(200);
    expect(
      emu()
        .faults.list()
        .find((r) => r.id === rule.id),
    ).toMatchObject({ hits: 2, remaining: 0 });
  });

  it('applies a rate-based error rate', async () => {
    emu().faults.add({ path: '/api/run/initech/hello', status: 500, rate: 0.5 });
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () => api(emu(), '/api/run/initech/hello', { token: null }).then((r) => r.status)),
    );
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(50);
  });

  it('answers 429 with x-ratelimit-reset and retry-after', async () => {
    emu().faults.add({ path: '/api/webtask', rateLimitResetSec: 7, count: 1 });
    const r = await api(emu(), '/api/webtask/globex');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(r.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 5);
  });

  it('drops the connection before the response', async () => {
    emu().faults.add({ path: '/api/webtask/globex', drop: 'before-response', count: 1 });
    const r = await rawGet(`${emu().url}/api/webtask/globex`, { authorization: `Bearer ${emu().masterToken}` });
    expect(r.status).toBeUndefined();
    expect(r.error).toMatch(/socket hang up|ECONNRESET/);
  });

  it('drops the connection mid-response: a truncated body', async () => {
    emu().faults.add({ path: '/api/webtask/acme-prod', drop: 'mid-response', count: 1 });
    const r = await rawGet(`${emu().url}/api/webtask/acme-prod`, { authorization: `Bearer ${emu().masterToken}` });
    expect(r.status).toBe(200);
    expect(r.complete).toBe(false);
    expect(r.body.length).toBeGreaterThan(0);
    expect(() => JSON.parse(r.body)).toThrow();
  });

  it('drops a log stream mid-stream after some bytes', async () => {
    emu().faults.add({ path: '/api/logs/tenant/umbrella-corp', drop: 'mid-stream', dropAfterBytes: 400, count: 1 });
    for (let i = 0; i < 20; i++) emu().emitLog('umbrella-corp', { msg: `before ${i}` });
    const r = await rawGet(`${emu().url}/api/logs/tenant/umbrella-corp`, {
      authorization: `Bearer ${emu().masterToken}`,
      'last-event-id': '0',
    });
    expect(r.status).toBe(200);
    expect(r.complete).toBe(false);
    expect(r.body.length).toBeLessThanOrEqual(400);
  });

  it('drops a log stream after a time', async () => {
    emu().faults.add({ path: '/api/logs/tenant/initech', drop: 'mid-stream', dropAfterMs: 350, count: 1 });
    const t0 = performance.now();
    const r = await rawGet(`${emu().url}/api/logs/tenant/initech`, { authorization: `Bearer ${emu().masterToken}` });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.complete).toBe(false);
    expect(r.body).toContain('event: ping');
  });

  it('applies to mounted handlers too', async () => {
    emu().registerMount({ prefix: '/zz-test/', handle: (_req, res) => void res.end('mounted') });
    expect((await api(emu(), '/zz-test/x')).text).toBe('mounted');
    emu().faults.add({ path: '/zz-test/', status: 502, count: 1 });
    expect((await api(emu(), '/zz-test/x')).status).toBe(502);
  });

  it('is driven by the admin API with the master token', async () => {
    const add = await api<{ id: string }>(emu(), '/admin/faults', { method: 'POST', body: { path: '/api/cron', status: 500 } });
    expect(add.status).toBe(201);
    expect((await api<unknown[]>(emu(), '/admin/faults')).body).toHaveLength(1);
    expect((await api(emu(), '/api/cron/acme-prod')).status).toBe(500);
    expect((await api(emu(), `/admin/faults/${add.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(emu(), '/api/cron/acme-prod')).status).toBe(200);
    await api(emu(), '/admin/faults', {
      method: 'POST',
      body: [
        { path: '/a', latencyMs: 1 },
        { path: '/b', latencyMs: 1 },
      ],
    });
    expect(emu().faults.list()).toHaveLength(2);
    expect((await api(emu(), '/admin/faults', { method: 'DELETE' })).status).toBe(204);
    expect(emu().faults.list()).toHaveLength(0);
    const token = emu().issueToken({ ten: 'acme-prod' });
    expect((await api<{ message: string }>(emu(), '/admin/faults', { token })).body.message).toMatch(/master token/);
    expect((await api(emu(), '/admin/faults', { token: null })).status).toBe(403);
    const invalid = await api<{ message: string }>(emu(), '/admin/faults', { method: 'POST', body: { path: 'no-slash', status: 500 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/path must be/);
    expect((await api<{ message: string }>(emu(), '/admin/faults', { method: 'POST', body: { path: '/x' } })).body.message).toMatch(
      /at least one effect/,
    );
    expect(
      (await api<{ message: string }>(emu(), '/admin/faults', { method: 'POST', body: { pathRegex: '(', status: 500 } })).body.message,
    ).toMatch(/not a valid regular expression/);
    expect(
      (await api<{ message: string }>(emu(), '/admin/faults', { method: 'POST', body: { status: 500, bogus: 1 } })).body.message,
    ).toMatch(/unknown field "bogus"/);
  });
});

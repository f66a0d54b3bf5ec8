import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { request } from 'undici';
import { PROTOCOL, SECRET_PREFIX } from '../../common/wire';
import { fixedServer, startTestWebHost } from '../helpers/host';

type Started = Awaited<ReturnType<typeof startTestWebHost>>;

function connect(started: Started, opts: { secret?: string | null; origin?: string; host?: string } = {}) {
  const { web } = started;
  const protocols = [PROTOCOL, ...(opts.secret === null ? [] : [`${SECRET_PREFIX}${opts.secret ?? web.secret}`])];
  return new WebSocket(`ws://127.0.0.1:${web.port}/api`, protocols, {
    origin: opts.origin ?? web.url,
    headers: opts.host ? { host: opts.host } : {},
  });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
function outcome(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

function rpc(
  ws: WebSocket,
  channel: string,
  input: unknown,
): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
  const id = Math.floor(Math.random() * 1e9);
  return new Promise((resolve) => {
    const onMessage = (raw: WebSocket.RawData) => {
      const msg = JSON.parse(raw.toString()) as { id: number; result: never };
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, input }));
  });
}

describe('browser host', () => {
  let started: Started;
  beforeAll(async () => {
    started = await startTestWebHost({ requestTimeoutMs: 3000 });
  });
  afterAll(async () => {
    await started.close();
  });

  it('binds 127.0.0.1 and serves the renderer with a strict CSP', async () => {
    expect(started.web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${started.web.url}/`);
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.body.text();
    expect(html).toContain('<div id="root">');
    // The per-launch nonce replaces the build's placeholder, and the CSP names the same one.
    const nonce = /nonce="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(nonce).not.toBe('__CSP_NONCE__');
    expect(csp).toContain(`'nonce-${nonce}'`);
  });

  it('refuses a foreign Host header on pages (DNS rebinding)', async () => {
    const res = await request(`${started.web.url}/`, { headers: { host: `evil.example:${started.web.port}` } });
    expect(res.statusCode).toBe(403);
    await res.body.dump();
  });

  it('does not serve files outside the renderer', async () => {
    const res = await request(`${started.web.url}/..%2f..%2fpackage.json`);
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });

  it('refuses a WebSocket with no secret', async () => {
    expect(await outcome(connect(started, { secret: null }))).toBe(401);
  });

  it('refuses a wrong secret', async () => {
    expect(await outcome(connect(started, { secret: 'not-the-secret' }))).toBe(401);
  });

  it('refuses a foreign Origin', async () => {
    expect(await outcome(connect(started, { origin: 'http://evil.example' }))).toBe(403);
  });

  it('refuses a foreign Host on the WebSocket', async () => {
    expect(await outcome(connect(started, { host: `attacker.example:${started.web.port}` }))).toBe(403);
  });

  it('accepts the right secret, Origin and Host', async () => {
    expect(await outcome(connect(started))).toBe(101);
  });

  it('answers invalid input with a typed error and changes nothing', async () => {
    const ws = connect(started);
    await new Promise((r) => ws.once('open', r));
    const bad = await rpc(ws, 'profiles.save', { name: '', url: 'not a url', container: 'x' });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('invalid_input');
    expect(bad.error?.message).toMatch(/Profile name is required/);
    const list = await rpc(ws, 'profiles.list', {});
    expect(list).toEqual({ ok: true, data: { profiles: [], activeId: null } });
    ws.send('this is not json');
    const garbage = await new Promise<{ result: { error: { code: string } } }>((r) =>
      ws.once('message', (m) => r(JSON.parse(m.toString()))),
    );
    expect(garbage.result.error.code).toBe('invalid_input');
    ws.close();
  });

  it('tests a connection: 200 is ok, 403 shows the server message', async () => {
    const good = await fixedServer(200, [{ name: 'hello', container: 'acme' }]);
    const refused = await fixedServer(403, { code: 403, message: 'not authorized to perform operation on tenant `acme`', req_id: 'r1' });
    const ws = connect(started);
    await new Promise((r) => ws.once('open', r));
    try {
      const ok = await rpc(ws, 'profiles.test', { url: good.url, container: 'acme', token: 'tok-abcdefgh123' });
      expect(ok).toMatchObject({ ok: true, data: { outcome: 'ok', status: 200 } });
      expect(good.requests[0]).toMatchObject({ url: '/api/webtask/acme?limit=1', auth: 'Bearer tok-abcdefgh123' });
      const no = await rpc(ws, 'profiles.test', { url: refused.url, container: 'acme', token: 'tok-abcdefgh123' });
      expect(no).toMatchObject({
        ok: true,
        data: { outcome: 'forbidden', status: 403, message: 'not authorized to perform operation on tenant `acme`' },
      });
    } finally {
      ws.close();
      await good.close();
      await refused.close();
    }
  });
});

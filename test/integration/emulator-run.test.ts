// Running extensions for real: programming models, diagnostics headers, errors, limits, host modules.
import { describe, expect, it } from 'vitest';
import { api, useEmulator } from '../helpers/emulator';
import { startEmulator, type Emulator } from '../../emulator/index';

const emu = useEmulator({ seed: 'demo', runTimeoutMs: 1500, runMemoryMb: 32 });

async function deploy(e: Emulator, container: string, name: string, code: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await api(e, `/api/webtask/${container}/${name}`, { method: 'PUT', body: { code, ...extra } });
  expect(r.status).toBe(200);
}

describe('programming models', () => {
  it('function (cb)', async () => {
    await deploy(emu(), 'runs', 'one', 'module.exports = function (cb) { cb(null, { ok: 1 }); }');
    const r = await api(emu(), '/api/run/runs/one', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: 1 });
  });

  it('function (ctx, cb) sees secrets, meta, body, query and headers', async () => {
    await deploy(
      emu(),
      'runs',
      'ctx',
      'module.exports = function (ctx, cb) { cb(null, { s: ctx.secrets.S, m: ctx.meta.m, b: ctx.body, q: ctx.query, h: ctx.headers["x-test"], auth: ctx.headers.authorization || null }); }',
      {
        secrets: { S: 'sv' },
        meta: { m: 'mv' },
      },
    );
    const r = await api(emu(), '/api/run/runs/ctx?a=1&key=ignored', {
      method: 'POST',
      body: { hello: 'there' },
      headers: { 'x-test': 't' },
    });
    expect(r.body).toEqual({ s: 'sv', m: 'mv', b: { hello: 'there' }, q: { a: '1' }, h: 't', auth: null });
  });

  it('function (ctx, req, res) with path, status and headers', async () => {
    const r = await api(emu(), '/api/run/globex/echo/deep/path?z=9', { token: null, method: 'PUT', rawBody: 'raw-body' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-echo')).toBe('yes');
    expect(r.body).toEqual({ method: 'PUT', url: '/deep/path?z=9', query: { z: '9' }, body: 'raw-body' });
    await deploy(
      emu(),
      'runs',
      'teapot',
      'module.exports = function (ctx, req, res) { res.writeHead(418, { "content-type": "text/plain" }); res.end("short and stout"); }',
    );
    const t = await api(emu(), '/api/run/runs/teapot', { token: null });
    expect(t.status).toBe(418);
    expect(t.text).toBe('short and stout');
  });

  it('adds x-wt-response-source, x-auth0-proxy-stats and x-auth0-stats', async () => {
    const r = await api(emu(), '/api/run/initech/hello', { token: null });
    expect(r.headers.get('x-wt-response-source')).toBe('webtask');
    const proxy = JSON.parse(r.headers.get('x-auth0-proxy-stats')!);
    expect(proxy).toMatchObject({
      proxy_pid: expect.any(Number),
      sandbox_route: 'emulator/initech',
      container_id: expect.any(String),
      time: expect.any(Number),
      uptime: expect.any(Number),
      requests: expect.any(Number),
      req_id: expect.any(String),
    });
    expect(proxy.memory.heapUsed).toBeGreaterThan(0);
    const stats = JSON.parse(r.headers.get('x-auth0-stats')!);
    expect(stats.response['200']).toBeGreaterThanOrEqual(1);
    expect(stats).toHaveProperty('uptime');
  });

  it('uses ctx.storage across runs', async () => {
    const a = await api<{ count: number }>(emu(), '/api/run/acme-prod/counter', { token: null });
    const b = await api<{ count: number }>(emu(), '/api/run/acme-prod/counter', { token: null });
    expect(b.body.count).toBe(a.body.count + 1);
  });
});

describe('failures give the runtime error body', () => {
  it('a thrown exception', async () => {
    const r = await api<Record<string, unknown>>(emu(), '/api/run/initech/legacy-sync', { token: null });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 500, error: 'Script generated an unhandled synchronous exception.', name: 'Error' });
    expect(String(r.body.stack)).toContain('webtask.js');
    expect(String(r.body.stack)).not.toContain('sandbox-worker');
    expect(r.headers.get('x-wt-response-source')).toBe('webtask');
  });

  it('cb(err) with a statusCode', async () => {
    const r = await api<Record<string, unknown>>(emu(), '/api/run/globex/webhook-receiver', { token: null });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 401, error: 'Script returned an error.', message: 'Invalid signature on the incoming webhook' });
  });

  it('an async throw', async () => {
    await deploy(emu(), 'runs', 'async-throw', 'module.exports = function (cb) { setTimeout(function () { null.x; }, 5); }');
    const r = await api<Record<string, unknown>>(emu(), '/api/run/runs/async-throw', { token: null });
    expect(r.status).toBe(500);
    expect(r.body.error).toBe('Script generated an unhandled asynchronous exception.');
  });

  it('a compile error comes from the compiler', async () => {
    await deploy(emu(), 'runs', 'broken', 'module.exports = function (cb) { cb(null, ; }');
    const r = await api<Record<string, unknown>>(emu(), '/api/run/runs/broken', { token: null });
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/^Compilation failed/);
    expect(r.headers.get('x-wt-response-source')).toBe('compiler');
  });

  it('an extension that loops forever is killed and the emulator keeps serving', async () => {
    await deploy(emu(), 'runs', 'loop', 'module.exports = function (cb) { for (;;) {} }');
    let loopAnswered = false;
    const looping = api<Record<string, unknown>>(emu(), '/api/run/runs/loop', { token: null }).then((r) => {
      loopAnswered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    // While the loop spins in its worker, the main thread still answers, before the loop is killed.
    const meanwhile = await api(emu(), '/api/webtask/acme-prod');
    expect(meanwhile.status).toBe(200);
    expect(loopAnswered).toBe(false);
    const r = await looping;
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 500, error: 'Server error' });
    expect(String(r.body.details)).toMatch(/execution time limit of 1500 ms/);
    expect(r.headers.get('x-wt-response-source')).toBe('proxy');
    // The container's next run gets a fresh worker.
    const next = await api(emu(), '/api/run/runs/one', { token: null });
    expect(next.status).toBe(200);
  });

  it('an extension that never calls back times out', async () => {
    const r = await api<Record<string, unknown>>(emu(), '/api/run/acme-staging/stuck-job', { token: null });
    expect(r.status).toBe(500);
    expect(String(r.body.details)).toMatch(/time limit/);
  });

  it('an extension that exhausts memory is stopped', async () => {
    await deploy(
      emu(),
      'runs',
      'hog',
      'module.exports = function (cb) { var a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); }',
    );
    const r = await api<Record<string, unknown>>(emu(), '/api/run/runs/hog', { token: null });
    expect(r.status).toBe(500);
    expect(String(r.body.details)).toMatch(/memory limit|time limit/);
    expect((await api(emu(), '/api/run/runs/one', { token: null })).status).toBe(200);
  });

  it('an extension that calls process.exit ends only its own sandbox', async () => {
    await deploy(emu(), 'runs', 'exits', 'module.exports = function (cb) { process.exit(3); }');
    const r = await api<Record<string, unknown>>(emu(), '/api/run/runs/exits', { token: null });
    expect(r.status).toBe(500);
    expect(String(r.body.details)).toMatch(/sandbox exited/);
    expect((await api(emu(), '/api/run/runs/one', { token: null })).status).toBe(200);
  });

  it('does not hand the emulator environment to extensions', async () => {
    process.env.EMULATOR_TEST_SECRET = 'must-not-leak';
    await deploy(emu(), 'runs-env', 'env', 'module.exports = function (cb) { cb(null, { v: process.env.EMULATOR_TEST_SECRET || null }); }');
    const r = await api(emu(), '/api/run/runs-env/env', { token: null });
    expect(r.body).toEqual({ v: null });
  });
});

describe('host modules and anonymous runs', () => {
  it('proxies require(name) of a registered host module to the main thread', async () => {
    const calls: Array<{ container: string; name: string; body: unknown; secret: string | undefined }> = [];
    emu().registerHostModule('test-host', async (call) => {
      calls.push({ container: call.container, name: call.name, body: call.body, secret: call.secrets.K });
      call.log('from host');
      await call.storage.set({ seen: true });
      return { doubled: (call.body as { n: number }).n * 2 };
    });
    await deploy(
      emu(),
      'runs',
      'uses-host',
      "module.exports = function (ctx, cb) { require('test-host')(ctx).then(function (r) { cb(null, r); }, cb); }",
      { secrets: { K: 'kv' } },
    );
    const r = await api(emu(), '/api/run/runs/uses-host', { token: null, method: 'POST', body: { n: 21 } });
    expect(r.body).toEqual({ doubled: 42 });
    expect(calls).toEqual([{ container: 'runs', name: 'uses-host', body: { n: 21 }, secret: 'kv' }]);
    expect(await emu().storage.get('runs', 'uses-host')).toEqual({ seen: true });
  });

  it('a module that is neither built in nor registered fails with a clear message', async () => {
    await deploy(emu(), 'runs', 'missing-mod', "module.exports = function (cb) { require('not-registered-anywhere'); cb(); }");
    const r = await api<Record<string, unknown>>(emu(), '/api/run/runs/missing-mod', { token: null });
    expect(r.status).toBe(500);
    expect(String(r.body.message)).toBe(
      "Cannot find module 'not-registered-anywhere': it is neither a Node built-in nor a host module registered with this emulator",
    );
  });

  it('a demo export extension runs the shared export engine through its host module', async () => {
    // Its own emulator: an export run may take longer than this file's short run limit.
    const e = await startEmulator({ port: 0, quiet: true, seed: 'demo' });
    try {
      const r = await api<Record<string, unknown>>(e, '/api/run/globex/logs-to-logstash', { token: null, method: 'POST', body: {} });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'ok', destination: 'logstash' });
      expect(Number(r.body.delivered)).toBeGreaterThan(0);
    } finally {
      await e.close();
    }
  });

  it('POST /api/run/{c} runs code from the body with a container token', async () => {
    const token = emu().issueToken({ ten: 'runs' });
    const r = await api(emu(), '/api/run/runs', {
      method: 'POST',
      token,
      rawBody: "module.exports = cb => cb(null, { version: process.version.replace(/^v/, '') });",
    });
    expect(r.status).toBe(200);
    expect((r.body as { version: string }).version).toBe(process.version.slice(1));
    const denied = await api(emu(), '/api/run/runs', { method: 'POST', token: null, rawBody: 'module.exports = cb => cb()' });
    expect(denied.status).toBe(403);
  });

  it('runs many requests concurrently without mixing them up', async () => {
    await deploy(
      emu(),
      'runs',
      'id',
      'module.exports = function (ctx, cb) { setTimeout(function () { cb(null, { i: ctx.query.i }); }, 5); }',
    );
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api<{ i: string }>(emu(), `/api/run/runs/id?i=${i}`, { token: null })),
    );
    expect(results.map((r) => r.body.i)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });
});

// The webtask management API of the emulator, over real sockets, including every bad request.
import { describe, expect, it } from 'vitest';
import { api, useEmulator } from '../helpers/emulator';

const emu = useEmulator({ seed: 'demo', maxBodyBytes: 64 * 1024 });

type Item = { container: string; name: string; token: string; meta?: Record<string, string>; code?: string; webtask_url: string };

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

describe('list', () => {
  it('has at least 5 demo tenants and a 10,000-extension container', async () => {
    const tenants = emu().tenants();
    expect(tenants.filter((t) => t !== 'bulk-10k').length).toBeGreaterThanOrEqual(5);
    const r = await api<Item[]>(emu(), '/api/webtask/bulk-10k?offset=9950&limit=100');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(50);
    expect(r.body[49]!.name).toBe('ext-09999');
  });

  it('pages with offset/limit (default limit 100) and lists all 10,000 in 10 pages of 1,000, in name order', async () => {
    const first = await api<Item[]>(emu(), '/api/webtask/bulk-10k');
    expect(first.body).toHaveLength(100);
    // The speed of this loop is bench/list-10k.ts's figure; here: every page full, contiguous, no
    // item twice or missing (the sorted index in emulator/store.ts is checked in the unit tests).
    const names: string[] = [];
    let requests = 0;
    for (let offset = 0; offset < 10_000; offset += 1000) {
      const page = await api<Item[]>(emu(), `/api/webtask/bulk-10k?offset=${offset}&limit=1000`);
      requests++;
      expect(page.body).toHaveLength(1000);
      expect(page.body[0]!.name).toBe(`ext-${String(offset).padStart(5, '0')}`);
      names.push(...page.body.map((w) => w.name));
    }
    expect(requests).toBe(10);
    expect(new Set(names).size).toBe(10_000);
    expect(names).toEqual([...names].sort());
    expect((await api<Item[]>(emu(), '/api/webtask/bulk-10k?offset=10000&limit=1000')).body).toEqual([]);
    const page2 = await api<Item[]>(emu(), '/api/webtask/bulk-10k?offset=100&limit=2');
    expect(page2.body.map((w) => w.name)).toEqual(['ext-00100', 'ext-00101']);
  });

  it('ANDs repeated meta filters and fetches code on request', async () => {
    const one = await api<Item[]>(emu(), '/api/webtask/acme-prod?meta=auth0-extension:runtime');
    const both = await api<Item[]>(
      emu(),
      '/api/webtask/acme-prod?meta=auth0-extension:runtime&meta=auth0-extension-name:logs-to-cloudwatch&fetch_code=true',
    );
    expect(one.body.length).toBeGreaterThan(both.body.length);
    expect(both.body.map((w) => w.name)).toEqual(['logs-to-cloudwatch']);
    expect(both.body[0]!.code).toContain("require('auth0-log-export')");
    expect(one.body[0]!.code).toBeUndefined();
    const bulk = await api<Item[]>(emu(), '/api/webtask/bulk-10k?meta=auth0-extension:runtime&meta=team:identity&limit=1000');
    expect(bulk.body.length).toBeGreaterThan(0);
    expect(bulk.body.every((w) => w.meta?.team === 'identity' && w.meta?.['auth0-extension'] === 'runtime')).toBe(true);
  });

  it('lists across containers with the master token only', async () => {
    const all = await api<Item[]>(emu(), '/api/webtask?limit=1000&meta=auth0-extension:runtime');
    expect(new Set(all.body.map((w) => w.container)).size).toBeGreaterThan(2);
    const token = emu().issueToken({ ten: 'acme-prod' });
    const denied = await api<{ code: number; message: string; req_id: string }>(emu(), '/api/webtask', { token });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/master token/);
  });

  it('gives each webtask a decodable token without typ and a webtask_url', async () => {
    const r = await api<Item[]>(emu(), '/api/webtask/globex');
    const w = r.body.find((x) => x.name === 'echo')!;
    const { header, claims } = decode(w.token);
    expect(header.typ).toBeUndefined();
    expect(claims).toMatchObject({ ten: 'globex', jtn: 'echo' });
    expect(w.webtask_url).toBe(`${emu().url}/api/run/globex/echo`);
  });
});

describe('get, inspect, upsert, delete, issue', () => {
  it('gets a webtask (v2) with secrets only when decrypt=true', async () => {
    const token = emu().issueToken({ ten: 'acme-prod' }, 'v2');
    expect(decode(token).header.typ).toBe('JWT');
    const plain = await api<Record<string, unknown>>(emu(), '/api/webtask/acme-prod/logs-to-logstash', { token });
    expect(plain.status).toBe(200);
    expect(plain.body.secrets).toBeUndefined();
    expect(plain.body.code).toBeUndefined();
    const full = await api<Record<string, Record<string, string>>>(
      emu(),
      '/api/webtask/acme-prod/logs-to-logstash?decrypt=true&fetch_code=true',
      { token },
    );
    expect(full.body.secrets!.LOGSTASH_URL).toBe(`${emu().url}/dest/logstash/acme-prod`);
    expect(typeof full.body.code).toBe('string');
  });

  it('inspects a webtask token (v1 path) with code, secrets and meta', async () => {
    const token = emu().issueToken({ ten: 'initech' }, 'v1');
    expect(token.split('.').length).not.toBe(3);
    const w = await api<Item>(emu(), '/api/webtask/initech/client-credentials-exchange', { token });
    const r = await api<Record<string, unknown>>(
      emu(),
      `/api/tokens/inspect?token=${encodeURIComponent(w.body.token)}&decrypt=true&fetch_code=true&meta=1`,
      { token },
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ten: 'initech', jtn: 'client-credentials-exchange', ectx: { TIER: 'pro' }, secrets: { TIER: 'pro' } });
    const sealed = await api<Record<string, unknown>>(emu(), `/api/tokens/inspect?token=${encodeURIComponent(w.body.token)}`, { token });
    expect(sealed.body.secrets).toBeUndefined();
    expect(sealed.body.code).toBeUndefined();
    expect(sealed.body.meta).toBeUndefined();
    expect(r.body.code).toContain('client-credentials-exchange');
    expect((r.body.meta as Record<string, string>)['wt-compiler']).toContain('client-credentials-exchange');
    const bad = await api<{ message: string }>(emu(), '/api/tokens/inspect?token=garbage', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/cannot inspect token/);
  });

  it('upserts (omitting meta deletes it), then deletes', async () => {
    const token = emu().issueToken({ ten: 'scratch' });
    const put = await api<Record<string, unknown>>(emu(), '/api/webtask/scratch/t1', {
      method: 'PUT',
      token,
      body: { code: 'module.exports = cb => cb(null, 1)', meta: { a: 'b' }, secrets: { S: 'x' } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 't1', meta: { a: 'b' }, webtask_url: `${emu().url}/api/run/scratch/t1` });
    const again = await api<Record<string, unknown>>(emu(), '/api/webtask/scratch/t1', {
      method: 'PUT',
      token,
      body: { code: 'module.exports = cb => cb(null, 2)' },
    });
    expect(again.body.meta).toEqual({});
    const run = await api(emu(), '/api/run/scratch/t1', { token: null });
    expect(run.body).toBe(2);
    expect((await api(emu(), '/api/webtask/scratch/t1', { method: 'DELETE', token })).status).toBe(204);
    const gone = await api<{ code: number; message: string; req_id: string }>(emu(), '/api/webtask/scratch/t1', { token });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 404, message: 'webtask `t1` not found in container `scratch`' });
    expect(gone.body.req_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('issues a webtask token (wt create) with Location = webtask URL', async () => {
    const token = emu().issueToken({ ten: 'scratch' }, 'v1');
    const r = await api(emu(), '/api/tokens/issue', {
      method: 'POST',
      token,
      body: { ten: 'scratch', jtn: 'made', code: 'module.exports = cb => cb(null, "made")', dd: 0, dr: 1 },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('location')).toBe(`${emu().url}/api/run/scratch/made`);
    expect(decode(r.text).claims).toMatchObject({ ten: 'scratch', jtn: 'made' });
    expect((await api(emu(), '/api/run/scratch/made', { token: null })).body).toBe('made');
  });

  it('keeps webtask storage (API and ctx.storage share it)', async () => {
    await api(emu(), '/api/run/acme-prod/counter', { token: null });
    const r = await api<{ data: string; etag: string }>(emu(), '/api/webtask/acme-prod/counter/data');
    expect(JSON.parse(r.body.data)).toMatchObject({ count: expect.any(Number) });
    expect(await emu().storage.get('acme-prod', 'counter')).toEqual(JSON.parse(r.body.data));
    const conflict = await api(emu(), '/api/webtask/acme-prod/counter/data', { method: 'PUT', body: { data: '{}', etag: 'stale' } });
    expect(conflict.status).toBe(409);
  });
});

describe('bad requests', () => {
  it('no token', async () => {
    const r = await api<{ code: number; message: string }>(emu(), '/api/webtask/acme-prod', { token: null });
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('rejecting request without Authorization header or key URL query parameter');
  });

  it('wrong token, forged JWT and expired JWT', async () => {
    const wrong = await api<{ message: string }>(emu(), '/api/webtask/acme-prod', { token: 'not-a-token' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toMatch(/invalid token/);
    const real = emu().issueToken({ ten: 'acme-prod' });
    const [h, p] = real.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ten: '/.*/' })).toString('base64url')}.${real.split('.')[2]}`;
    expect((await api<{ message: string }>(emu(), '/api/webtask/acme-prod', { token: forged })).body.message).toMatch(/signature/);
    expect(p).toBeTruthy();
    const expired = emu().issueToken({ ten: 'acme-prod', exp: Math.floor(Date.now() / 1000) - 10 });
    const e = await api<{ message: string }>(emu(), '/api/webtask/acme-prod', { token: expired });
    expect(e.status).toBe(403);
    expect(e.body.message).toBe('expired JWT token');
  });

  it('wrong tenant gets the real 403 message', async () => {
    const token = emu().issueToken({ ten: 'globex' }, 'v1');
    const r = await api<{ code: number; message: string }>(emu(), '/api/webtask/acme-prod', { token });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 403, message: 'not authorized to perform operation on tenant `acme-prod`' });
    const put = await api<{ message: string }>(emu(), '/api/webtask/acme-prod/x', { method: 'PUT', token, body: { code: 'x' } });
    expect(put.body.message).toBe('not authorized to perform operation on tenant `acme-prod`');
  });

  it('a key query parameter authenticates, and the header wins over it', async () => {
    const good = emu().issueToken({ ten: 'globex' });
    const r = await api(emu(), `/api/webtask/globex?key=${encodeURIComponent(good)}`, { token: null });
    expect(r.status).toBe(200);
    const headerWins = await api(emu(), `/api/webtask/globex?key=${encodeURIComponent(good)}`, { token: 'bogus' });
    expect(headerWins.status).toBe(403);
  });

  it('unknown container and unknown webtask', async () => {
    const c = await api<{ message: string }>(emu(), '/api/webtask/no-such-container');
    expect(c.status).toBe(404);
    expect(c.body.message).toBe('container `no-such-container` not found');
    const w = await api<{ message: string }>(emu(), '/api/webtask/acme-prod/no-such-webtask');
    expect(w.status).toBe(404);
    const run = await api(emu(), '/api/run/acme-prod/no-such-webtask', { token: null });
    expect(run.status).toBe(404);
    const route = await api<{ message: string }>(emu(), '/api/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.message).toMatch(/no such endpoint/);
  });

  it('malformed JSON, wrong shapes and bad names', async () => {
    const r = await api<{ code: number; message: string }>(emu(), '/api/webtask/scratch/x', {
      method: 'PUT',
      rawBody: '{"code": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^malformed JSON body/);
    expect((await api<{ message: string }>(emu(), '/api/webtask/scratch/x', { method: 'PUT', body: [1] })).body.message).toMatch(
      /JSON object/,
    );
    expect(
      (await api<{ message: string }>(emu(), '/api/webtask/scratch/x', { method: 'PUT', body: { meta: { a: 1 }, code: 'x' } })).body
        .message,
    ).toBe('meta.a must be a string');
    expect((await api<{ message: string }>(emu(), '/api/webtask/scratch/x', { method: 'PUT', body: { secrets: {} } })).body.message).toBe(
      'code or url is required',
    );
    expect(
      (await api<{ message: string }>(emu(), '/api/webtask/scratch/x', { method: 'PUT', body: { code: 'a', url: 'http://x' } })).body
        .message,
    ).toMatch(/either code or url/);
    expect((await api(emu(), '/api/webtask/scratch/bad%20name', { method: 'PUT', body: { code: 'x' } })).status).toBe(400);
    expect((await api<{ message: string }>(emu(), '/api/webtask/acme-prod?limit=0')).body.message).toMatch(/limit must be between/);
    expect((await api<{ message: string }>(emu(), '/api/webtask/acme-prod?offset=-1')).body.message).toMatch(
      /offset must be a non-negative integer/,
    );
    expect((await api<{ message: string }>(emu(), '/api/webtask/acme-prod?meta=nocolon')).body.message).toMatch(/key:value/);
    expect((await api(emu(), '/api/webtask/acme-prod', { method: 'POST' })).status).toBe(405);
  });

  it('oversize body gets 413 with a clear message, and the connection stays usable', async () => {
    const big = 'x'.repeat(100 * 1024);
    const r = await api<{ code: number; message: string }>(emu(), '/api/webtask/scratch/big', { method: 'PUT', body: { code: big } });
    expect(r.status).toBe(413);
    expect(r.body.message).toMatch(/request body too large: \d+ bytes exceeds the limit of 65536 bytes/);
    const after = await api(emu(), '/api/webtask/acme-prod');
    expect(after.status).toBe(200);
    const run = await api(emu(), '/api/run/globex/echo', { token: null, method: 'POST', rawBody: big });
    expect(run.status).toBe(413);
  });
});

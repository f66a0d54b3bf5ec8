// The browse features through the handler table, against the emulator over real sockets.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inspection, InvocationRecord, ListPage, TenantList } from '../../common/contract';
import { createSession, type Host } from '../../core/host';
import { api, useEmulator } from '../helpers/emulator';
import { callOk, hostOnEmulator, tempDir } from '../helpers/host';

const emu = useEmulator({ seed: 'demo' });

async function callErr(host: Host, channel: string, input: unknown) {
  const r = await host.call(
    channel,
    input,
    createSession(host.deps, 's', () => {}),
  );
  if (r.ok) throw new Error(`${channel} unexpectedly succeeded`);
  return r.error;
}

describe('tenants', () => {
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  beforeAll(async () => {
    h = await hostOnEmulator(emu());
  });
  afterAll(() => h.close());

  it('shows the demo tenants of the embedded emulator with no typing (auto discovery)', async () => {
    const list = await callOk<TenantList>(h.host, 'tenants.list', {});
    expect(list.discovery.state).toBe('ok');
    const names = list.tenants.map((t) => t.name);
    for (const t of ['acme-prod', 'acme-staging', 'globex', 'initech', 'umbrella-corp', 'bulk-10k']) expect(names).toContain(t);
    expect(list.tenants.find((t) => t.name === 'bulk-10k')?.seen).toBe(10_000);
  });

  it('without a token, the embedded profile still lists its default tenant and says why discovery did not run', async () => {
    const bare = await hostOnEmulator(emu());
    try {
      await bare.host.deps.vault.delete('local-emulator');
      const list = await callOk<TenantList>(bare.host, 'tenants.list', {});
      expect(list.tenants.map((t) => t.name)).toEqual(['acme-prod']);
      expect(list.discovery).toMatchObject({ state: 'failed' });
      expect(list.discovery.message).toMatch(/Discovery did not run: No token is available/);
    } finally {
      await bare.close();
    }
  });

  it('adds, pins, records recent tenants, and keeps them per profile in settings', async () => {
    await callOk(h.host, 'tenants.add', { name: 'customer-x' });
    await callOk(h.host, 'tenants.pin', { name: 'globex', pinned: true });
    await callOk(h.host, 'webtasks.list', { container: 'initech' });
    const list = await callOk<TenantList>(h.host, 'tenants.list', {});
    expect(list.tenants[0]).toMatchObject({ name: 'globex', pinned: true });
    expect(list.tenants[1]?.name).toBe('initech');
    expect(list.tenants[1]?.sources).toContain('recent');
    expect(list.tenants.find((t) => t.name === 'customer-x')?.sources).toEqual(['added']);
    const settings = JSON.parse(readFileSync(join(h.dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(settings)).toContain('tenants:local-emulator');
    const removed = await callOk<TenantList>(h.host, 'tenants.remove', { name: 'customer-x' });
    expect(removed.tenants.map((t) => t.name)).not.toContain('customer-x');
    // A removed profile takes its tenants with it.
    const other = await callOk<{ id: string }>(h.host, 'profiles.save', {
      name: 'Temp',
      url: emu().url,
      container: 'globex',
      token: emu().masterToken,
    });
    await callOk(h.host, 'tenants.add', { profileId: other.id, name: 'temp-tenant' });
    await callOk(h.host, 'profiles.remove', { id: other.id });
    const after = JSON.parse(readFileSync(join(h.dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(after)).not.toContain(`tenants:${other.id}`);
  });

  it('says discovery is not allowed for a container token (403)', async () => {
    const token = emu().issueToken({ ten: 'globex' }, 'v2');
    const p = await callOk<{ id: string }>(h.host, 'profiles.save', { name: 'Globex only', url: emu().url, container: 'globex', token });
    const r = await callOk<TenantList & { found: number }>(h.host, 'tenants.discover', { profileId: p.id });
    expect(r.discovery.state).toBe('forbidden');
    expect(r.discovery.message).toMatch(/Discovery is not allowed for this token/);
    expect(r.discovery.message).toContain('requires the master token');
    expect(r.tenants.map((t) => t.name)).toEqual(['globex']);
  });
});

describe('extensions: paging and filters', () => {
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  beforeAll(async () => {
    h = await hostOnEmulator(emu());
  });
  afterAll(() => h.close());

  it('pages the 10,000-extension container exactly as the protocol pages, and never returns a token', async () => {
    let offset = 0;
    let pages = 0;
    const names = new Set<string>();
    for (;;) {
      const page = await callOk<ListPage>(h.host, 'webtasks.list', { container: 'bulk-10k', offset, limit: 1000 });
      pages++;
      for (const i of page.items) names.add(i.name);
      expect(JSON.stringify(page)).not.toMatch(/"token"|eyJ/);
      offset = page.nextOffset;
      if (!page.mayBeMore || pages > 20) break;
    }
    // 10 full pages say "may be more"; the 11th (empty) one ends it.
    expect(pages).toBe(11);
    expect(names.size).toBe(10_000);
  });

  it('ANDs several meta pairs, filters Auth0 extensions, and searches names across pages', async () => {
    const both = await callOk<ListPage>(h.host, 'webtasks.list', {
      container: 'bulk-10k',
      limit: 1000,
      meta: [
        { key: 'team', value: 'payments' },
        { key: 'tier', value: 'gold' },
      ],
    });
    expect(both.items.length).toBeGreaterThan(0);
    for (const i of both.items) expect(i.meta).toMatchObject({ team: 'payments', tier: 'gold' });
    const one = await callOk<ListPage>(h.host, 'webtasks.list', {
      container: 'bulk-10k',
      limit: 1000,
      meta: [{ key: 'team', value: 'payments' }],
    });
    expect(one.items.length).toBeGreaterThan(both.items.length);
    const auth0 = await callOk<ListPage>(h.host, 'webtasks.list', { container: 'bulk-10k', limit: 1000, auth0Only: true });
    expect(auth0.items).toHaveLength(200);
    for (const i of auth0.items) expect(i.meta?.['auth0-extension']).toBe('runtime');
    const search = await callOk<ListPage>(h.host, 'webtasks.list', { container: 'bulk-10k', limit: 50, nameContains: 'EXT-0999' });
    expect(search.items.map((i) => i.name)).toEqual(Array.from({ length: 10 }, (_, i) => `ext-0999${i}`));
    // The scan read 20 full pages: a full page means "may be more", so one more call ends it.
    expect(search.mayBeMore).toBe(true);
    const rest = await callOk<ListPage>(h.host, 'webtasks.list', {
      container: 'bulk-10k',
      limit: 50,
      nameContains: 'EXT-0999',
      offset: search.nextOffset,
    });
    expect(rest).toMatchObject({ items: [], mayBeMore: false });
  });

  it("unknown container: the server's 404 message, typed", async () => {
    const err = await callErr(h.host, 'webtasks.list', { container: 'no-such-tenant' });
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('no-such-tenant');
  });
});

describe('inspect, reveal, invoke', () => {
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  beforeAll(async () => {
    h = await hostOnEmulator(emu());
  });
  afterAll(() => h.close());

  it('inspects (v1 master token: /api/tokens/inspect): meta, decoded claims, secret names, code; no raw token', async () => {
    const ins = await callOk<Inspection>(h.host, 'webtasks.inspect', { container: 'acme-prod', name: 'post-user-registration' });
    expect(ins.tokenKind).toBe('v1');
    expect(ins.claims).toMatchObject({ ten: 'acme-prod', jtn: 'post-user-registration' });
    expect(ins.secretKeys).toEqual(['CRM_URL']);
    expect(JSON.stringify(ins)).not.toContain('https://crm.acme.example/hooks');
    expect(ins.code?.text).toContain('module.exports');
    expect(ins.code?.notUtf8).toBe(false);
    expect(ins.meta['auth0-extension']).toBe('runtime');
    expect(JSON.stringify(ins)).not.toMatch(/eyJ/);
  });

  it('inspects with a v2 profile token (GET ?decrypt&fetch_code, claims decoded in the core)', async () => {
    const token = emu().issueToken({ ten: 'globex' }, 'v2');
    const p = await callOk<{ id: string; tokenKind: string }>(h.host, 'profiles.save', {
      name: 'Globex v2',
      url: emu().url,
      container: 'globex',
      token,
    });
    expect(p.tokenKind).toBe('v2');
    const ins = await callOk<Inspection>(h.host, 'webtasks.inspect', { profileId: p.id, container: 'globex', name: 'webhook-receiver' });
    expect(ins.tokenKind).toBe('v2');
    expect(ins.claims).toMatchObject({ ten: 'globex', jtn: 'webhook-receiver' });
    expect(ins.secretKeys).toEqual(['WEBHOOK_SECRET']);
    expect(JSON.stringify(ins)).not.toContain('whsec_globex_demo');
  });

  it('reveals one secret per call, audited by key and never by value', async () => {
    const r = await callOk<{ value: string }>(h.host, 'webtasks.revealSecret', {
      container: 'globex',
      name: 'webhook-receiver',
      key: 'WEBHOOK_SECRET',
    });
    expect(r.value).toBe('whsec_globex_demo');
    const err = await callErr(h.host, 'webtasks.revealSecret', { container: 'globex', name: 'webhook-receiver', key: 'NOPE' });
    expect(err.code).toBe('not_found');
    const audit = readFileSync(join(h.dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"action":"secret.reveal"');
    expect(audit).toContain('"key":"WEBHOOK_SECRET"');
    expect(audit).not.toContain('whsec_globex_demo');
  });

  it('invokes with diagnostics, keeps a redacted history, and copies as curl without the token', async () => {
    await api(emu(), '/api/webtask/globex/echo-secret', {
      method: 'PUT',
      body: {
        code: 'module.exports = (ctx, cb) => cb(null, { method: ctx.method, seen: ctx.secrets.API_KEY, q: ctx.query });',
        secrets: { API_KEY: 'sk_live_demo_12345' },
      },
    });
    const rec = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', {
      container: 'globex',
      name: 'echo-secret',
      method: 'POST',
      path: '/hello',
      query: [{ name: 'x', value: '1' }],
      headers: [
        { name: 'Authorization', value: 'Bearer customer-secret-value-123' },
        { name: 'x-note', value: 'sk_live_demo_12345' },
      ],
      body: '{"hi":"there"}',
      withProfileToken: true,
    });
    expect(rec.status).toBe(200);
    expect(rec.diagnostics.source).toBe('webtask');
    expect(rec.diagnostics.reading).toMatch(/extension's own code/);
    expect(rec.diagnostics.proxyStats).toHaveProperty('proxy_host');
    expect(rec.diagnostics.stats).toHaveProperty('response');
    expect(rec.body.pretty).toBeDefined();
    expect(rec.curl).toContain('$WT_TOKEN');
    expect(rec.curl).not.toContain(emu().masterToken);
    const text = JSON.stringify(rec);
    expect(text).not.toContain('customer-secret-value-123');
    const hist = await callOk<{ entries: InvocationRecord[] }>(h.host, 'webtasks.history', { container: 'globex', name: 'echo-secret' });
    expect(hist.entries[0]?.id).toBe(rec.id);
    const files = JSON.stringify(hist);
    expect(files).not.toContain(emu().masterToken);
    expect(files).not.toContain('customer-secret-value-123');
    // The secret's value, echoed back in the body, is stored under its name only.
    expect(files).not.toContain('sk_live_demo_12345');
    expect(files).toContain('[secret API_KEY]');
    expect(text).not.toContain('sk_live_demo_12345');
    const audit = readFileSync(join(h.dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"action":"webtask.invoke"');
    const cleared = await callOk<{ removed: number }>(h.host, 'webtasks.clearHistory', { container: 'globex', name: 'echo-secret' });
    expect(cleared.removed).toBe(1);
  });

  it("reads a runtime error as the extension's own, and an unknown extension as a 404", async () => {
    const rec = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', { container: 'acme-staging', name: 'legacy-sync' });
    expect(rec.status).toBeGreaterThanOrEqual(400);
    expect(rec.diagnostics.source).toBeDefined();
    const missing = await callErr(h.host, 'webtasks.inspect', { container: 'globex', name: 'no-such-ext' });
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('no-such-ext');
  });
});

describe('import ~/.webtask', () => {
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  const dir = tempDir('wt-home-');
  beforeAll(async () => {
    h = await hostOnEmulator(emu());
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('previews without tokens, imports chosen ones into the vault, leaves the file untouched', async () => {
    const file = join(dir, '.webtask');
    const content = JSON.stringify({
      master: { url: emu().url, token: emu().masterToken, container: 'master' },
      globex: { url: emu().url, token: emu().issueToken({ ten: 'globex' }, 'v2'), container: 'globex' },
      broken: { url: 'ftp://x', container: 'a' },
    });
    writeFileSync(file, content);
    chmodSync(file, 0o600);
    const preview = await callOk<{ profiles: Array<{ name: string; problem?: string; tokenKind: string }> }>(
      h.host,
      'profiles.importPreview',
      { path: file },
    );
    expect(preview.profiles.map((p) => p.name)).toEqual(['master', 'globex', 'broken']);
    expect(preview.profiles[1]?.tokenKind).toBe('v2');
    expect(preview.profiles[2]?.problem).toMatch(/not http\(s\).*no token/);
    expect(JSON.stringify(preview)).not.toContain(emu().masterToken);
    const r = await callOk<{ imported: Array<{ id: string; source: string; hasToken: boolean }>; plaintextWarning: string }>(
      h.host,
      'profiles.import',
      { path: file, names: ['globex'] },
    );
    expect(r.imported[0]).toMatchObject({ source: 'wt-cli', hasToken: true });
    expect(r.plaintextWarning).toMatch(/plain text/);
    expect(readFileSync(file, 'utf8')).toBe(content);
    const page = await callOk<ListPage>(h.host, 'webtasks.list', { profileId: r.imported[0]!.id, container: 'globex' });
    expect(page.items.length).toBeGreaterThan(0);
    const bad = await callErr(h.host, 'profiles.import', { path: file, names: ['broken'] });
    expect(bad.message).toMatch(/cannot be imported/);
  });

  it('says clearly when the file is missing, not JSON, or the wrong shape', async () => {
    const missing = await callErr(h.host, 'profiles.importPreview', { path: join(dir, 'nope') });
    expect(missing.message).toMatch(/No wt CLI profiles file/);
    const notJson = join(dir, 'notjson');
    writeFileSync(notJson, '{"master": {"token": "secret-token-in-a-broken-file"');
    const e1 = await callErr(h.host, 'profiles.importPreview', { path: notJson });
    expect(e1.message).toMatch(/is not JSON/);
    expect(e1.message).not.toContain('secret-token');
    const arr = join(dir, 'array');
    writeFileSync(arr, '[1,2]');
    expect((await callErr(h.host, 'profiles.importPreview', { path: arr })).message).toMatch(/not an object of profiles/);
  });
});

describe('import with a weak keyring', () => {
  it('asks before storing (needs_confirmation), leaves no half profile, then honours "session only"', async () => {
    const { SessionVault } = await import('../../core/host/stores');
    const { createHost } = await import('../../core/host');
    const { createNodeDeps } = await import('../../core/host/node-deps');
    class WeakVault extends SessionVault {
      override status() {
        return { backend: 'weak' as const, persistent: true, warning: 'This system offers no keyring.' };
      }
    }
    const dir = tempDir('wt-weak-');
    try {
      const host = createHost(createNodeDeps({ dataDir: dir, host: 'test', vault: new WeakVault() }));
      const file = join(dir, '.webtask');
      writeFileSync(file, JSON.stringify({ prod: { url: emu().url, token: emu().masterToken, container: 'acme-prod' } }));
      const err = await callErr(host, 'profiles.import', { path: file, names: ['prod'] });
      expect(err.code).toBe('needs_confirmation');
      expect((await callOk<{ profiles: unknown[] }>(host, 'profiles.list', {})).profiles).toEqual([]);
      const r = await callOk<{ imported: Array<{ tokenStorage: string }> }>(host, 'profiles.import', {
        path: file,
        names: ['prod'],
        tokenStorage: 'session',
      });
      expect(r.imported[0]?.tokenStorage).toBe('session');
      // Importing again updates the same profile rather than adding a second one.
      await callOk(host, 'profiles.import', { path: file, names: ['prod'], tokenStorage: 'session' });
      expect((await callOk<{ profiles: unknown[] }>(host, 'profiles.list', {})).profiles).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input from the cluster', () => {
  it("wrong token: the server's 403 message as is; expired token too", async () => {
    const h = await hostOnEmulator({ url: emu().url, masterToken: 'wrong-token-abcdefgh' });
    try {
      const err = await callErr(h.host, 'webtasks.list', { container: 'globex' });
      expect(err.code).toBe('forbidden');
      expect(err.message).not.toContain('wrong-token-abcdefgh');
      const expired = emu().issueToken({ ten: 'globex', exp: Math.floor(Date.now() / 1000) - 60 }, 'v2');
      const p = await callOk<{ id: string }>(h.host, 'profiles.save', {
        name: 'Expired',
        url: emu().url,
        container: 'globex',
        token: expired,
      });
      const e2 = await callErr(h.host, 'webtasks.list', { profileId: p.id, container: 'globex' });
      expect(e2.message).toBe('expired JWT token');
    } finally {
      await h.close();
    }
  });

  it('timeouts and unreachable clusters are typed, with the address', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 300 });
    const rule = emu().faults.add({ path: '/api/webtask/globex', latencyMs: 1500, count: 1 });
    try {
      const err = await callErr(h.host, 'webtasks.list', { container: 'globex' });
      expect(err.code).toBe('timeout');
      const rec = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', { container: 'globex', name: 'echo' });
      expect(rec.status).toBe(200);
    } finally {
      emu().faults.remove(rule.id);
      await h.close();
    }
    const dead = await hostOnEmulator({ url: 'http://127.0.0.1:9', masterToken: 'whatever-token-1234' });
    try {
      const err = await callErr(dead.host, 'webtasks.list', { container: 'globex' });
      expect(err.code).toBe('unreachable');
      expect(err.message).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9/);
      const rec = await callOk<InvocationRecord>(dead.host, 'webtasks.invoke', { container: 'globex', name: 'echo' });
      expect(rec.error?.code).toBe('unreachable');
      expect(rec.diagnostics.reading).toMatch(/No response arrived/);
    } finally {
      await dead.close();
    }
  });

  it('huge invocation bodies are shown truncated with their size', async () => {
    const h = await hostOnEmulator(emu());
    try {
      await api(emu(), '/api/webtask/globex/huge', {
        method: 'PUT',
        body: { code: "module.exports = (ctx, cb) => cb(null, { big: 'x'.repeat(600000) });" },
      });
      const rec = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', { container: 'globex', name: 'huge' });
      expect(rec.status).toBe(200);
      expect(rec.body.truncated).toBe(true);
      expect(rec.body.size).toBeGreaterThan(600_000);
      expect(rec.body.text.length).toBeLessThanOrEqual(256 * 1024);
      const hist = await callOk<{ entries: InvocationRecord[] }>(h.host, 'webtasks.history', { container: 'globex', name: 'huge' });
      expect(hist.entries[0]?.body).toMatchObject({ truncated: true, size: rec.body.size });
      expect(hist.entries[0]?.body.text.length).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await h.close();
    }
  });
});

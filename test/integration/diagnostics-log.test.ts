// The diagnostics log through the handler table, against the emulator over real sockets: every
// invocation (either stats header name) and every discovery call land in one log, redacted on disk.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DiagnosticsEntry,
  DiagnosticsSettings,
  DiagnosticsStore,
  DiscoveryEntry,
  InvocationEntry,
  InvocationRecord,
  TenantList,
} from '../../common/contract';
import { createSession } from '../../core/host';
import { api, useEmulator } from '../helpers/emulator';
import { callOk, hostOnEmulator, tempDir } from '../helpers/host';

const emu = useEmulator({ seed: 'demo' });

type List = {
  entries: DiagnosticsEntry[];
  total: number;
  facets: { tenants: string[]; extensions: string[]; sources: string[] };
  store: DiagnosticsStore;
};

describe('diagnostics log', () => {
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  const diagDir = () => join(h.dataDir, 'diagnostics');
  beforeAll(async () => {
    h = await hostOnEmulator(emu());
    emu().setStatsHeader('s-auth0-stats', { container: 'initech', name: 'hello' });
  });
  afterAll(async () => {
    emu().setStatsHeader(null, { container: 'initech', name: 'hello' });
    await h.close();
  });

  it('records an invocation answered with s-auth0-stats and one with x-auth0-stats, stats parsed and the name shown', async () => {
    const s = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', { container: 'initech', name: 'hello' });
    expect(s.diagnostics.statsHeader).toBe('s-auth0-stats');
    const x = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', {
      container: 'globex',
      name: 'echo',
      method: 'POST',
      path: '/p',
      body: '{"a":1}',
    });
    expect(x.diagnostics.statsHeader).toBe('x-auth0-stats');

    const list = await callOk<List>(h.host, 'diagnostics.list', { kind: 'invocation' });
    expect(list.total).toBe(2);
    const [echo, hello] = list.entries as InvocationEntry[];
    expect(hello).toMatchObject({
      kind: 'invocation',
      profileId: 'local-emulator',
      profile: 'Local emulator',
      tenant: 'initech',
      extension: 'hello',
      method: 'GET',
      path: '/',
      status: 200,
    });
    expect(hello!.diagnostics).toMatchObject({
      source: 'webtask',
      statsHeader: 's-auth0-stats',
      stats: { response: { '200': expect.any(Number) }, uptime: expect.any(Number) },
    });
    expect(hello!.diagnostics.proxyStats).toMatchObject({ sandbox_route: 'emulator/initech', req_id: expect.any(String) });
    expect(hello!.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(hello!.response.size).toBeGreaterThan(0);
    expect(echo).toMatchObject({
      tenant: 'globex',
      extension: 'echo',
      method: 'POST',
      path: '/p',
      status: 200,
      diagnostics: { statsHeader: 'x-auth0-stats', stats: { response: expect.any(Object) } },
    });
    // Bodies are not kept unless the user says so: no excerpt, no request body, a curl without the body.
    expect(echo!.bodiesKept).toBe(false);
    expect(echo!.response.excerpt).toBeUndefined();
    expect(echo!.requestBody).toBeUndefined();
    expect(echo!.curl).toBe(`curl -sS -i -X POST -H 'content-type: application/json' '${emu().url}/api/run/globex/echo/p'`);
    expect(list.facets.tenants).toEqual(['globex', 'initech']);
    expect(list.facets.sources).toEqual(['webtask']);
  });

  it('keeps redacted body excerpts only when asked; the curl carries $WT_TOKEN, never the token', async () => {
    const on = await callOk<DiagnosticsSettings>(h.host, 'diagnostics.saveSettings', { keepBodies: true });
    expect(on.keepBodies).toBe(true);
    expect(on.store.statement).toMatch(/at most 32 MB: the log starts a new file at 8 MB and keeps 3 older files; the oldest is deleted/);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl';
    await callOk(h.host, 'webtasks.invoke', {
      container: 'globex',
      name: 'echo',
      method: 'POST',
      body: JSON.stringify({ hello: 'world', pasted: jwt, master: emu().masterToken }),
      withProfileToken: true,
      headers: [{ name: 'authorization', value: `Bearer ${emu().masterToken}` }],
    });
    const [e] = (await callOk<List>(h.host, 'diagnostics.list', { tenant: 'globex', limit: 1 })).entries as InvocationEntry[];
    expect(e!.bodiesKept).toBe(true);
    // echo answers the body it got as a string: the pasted JWT and the master token come back, redacted.
    expect(e!.response.excerpt).toContain('\\"hello\\":\\"world\\",\\"pasted\\":\\"[redacted]\\",\\"master\\":\\"[redacted]\\"');
    expect(e!.requestBody).toContain('"hello":"world"');
    expect(e!.curl).toContain('"Authorization: Bearer $WT_TOKEN"');
    expect(e!.curl).toContain('--data-binary');
    expect(e!.requestHeaders).toContainEqual({ name: 'authorization', value: '[redacted]' });
    const disk = readdirSync(diagDir())
      .map((f) => readFileSync(join(diagDir(), f), 'utf8'))
      .join('');
    expect(disk).toContain('world');
    expect(disk).not.toContain(jwt);
    expect(disk).not.toContain(emu().masterToken);
    await callOk(h.host, 'diagnostics.saveSettings', { keepBodies: false });
  });

  it("stores a discovery call's entire response: every extension it returned, and no token anywhere in the store", async () => {
    const tokens = emu().webtaskTokens();
    expect(tokens.length).toBeGreaterThan(10_000);
    const d = await callOk<TenantList & { found: number }>(h.host, 'tenants.discover', { maxPages: 50 });
    expect(d.discovery.state).toBe('ok');

    const [summary] = (await callOk<List>(h.host, 'diagnostics.list', { kind: 'discovery' })).entries as DiscoveryEntry[];
    expect(summary).toMatchObject({
      kind: 'discovery',
      scope: 'tenants',
      auto: false,
      state: 'ok',
      status: 200,
      found: tokens.length,
      tenants: d.found,
    });
    // List views leave the answers out; the entry itself has them.
    expect(summary!.pages.every((p) => p.response === undefined)).toBe(true);
    const full = await callOk<DiscoveryEntry>(h.host, 'diagnostics.get', { id: summary!.id });
    expect(full.pages.length).toBe(Math.ceil(tokens.length / 1000));
    expect(full.pages[0]!.request).toEqual({ method: 'GET', url: `${emu().url}/api/webtask?limit=1000`, offset: 0, limit: 1000 });
    expect(full.pages[1]!.request.url).toBe(`${emu().url}/api/webtask?offset=1000&limit=1000`);

    // Every extension the cluster returned, as the cluster returned it, less the token.
    const truth: Array<Record<string, unknown>> = [];
    for (let offset = 0; offset < 100_000; offset += 1000) {
      const page = await api<Array<Record<string, unknown>>>(emu(), `/api/webtask?offset=${offset}&limit=1000`);
      truth.push(...page.body);
      if (page.body.length < 1000) break;
    }
    const stored = full.pages.flatMap((p) => p.response as Array<Record<string, unknown>>);
    expect(stored).toHaveLength(truth.length);
    expect(stored).toEqual(truth.map(({ token: _t, ...rest }) => rest));
    expect(stored.some((w) => 'token' in w)).toBe(false);

    // grep the whole store for each webtask token of the demo data and the master token. A token cannot be
    // there, whole or cut, without its signature: grepping the 43-character signatures finds both, and is
    // what keeps 10,000 patterns fast on a busy machine.
    const patterns = join(tempDir(), 'tokens.txt');
    writeFileSync(patterns, [...tokens.map((t) => t.split('.')[2]!), emu().masterToken].join('\n'));
    const grep = spawnSync('grep', ['-rFc', '-f', patterns, diagDir()], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(
      grep.stdout
        .trim()
        .split('\n')
        .every((l) => l.endsWith(':0')),
    ).toBe(true);
    expect(grep.status).toBe(1); // 1: no line matched
    // The grep itself finds a token when one is there (the check can fail).
    writeFileSync(join(diagDir(), 'probe.txt'), `x ${tokens[123]} y\n`);
    expect(spawnSync('grep', ['-rFq', '-f', patterns, diagDir()], { env: { ...process.env, LC_ALL: 'C' } }).status).toBe(0);
    rmSync(join(diagDir(), 'probe.txt'));
    const { store } = await callOk<List>(h.host, 'diagnostics.list', { limit: 1 });
    expect(store.usedBytes).toBeGreaterThan(1_000_000);
    expect(store.usedBytes).toBeLessThanOrEqual(store.capBytes);
  });

  it('records a refused discovery with the cluster answer, and the auto discovery of the embedded profile', async () => {
    const token = emu().issueToken({ ten: 'globex' }, 'v2');
    const p = await callOk<{ id: string }>(h.host, 'profiles.save', { name: 'Globex only', url: emu().url, container: 'globex', token });
    await callOk(h.host, 'tenants.discover', { profileId: p.id });
    const [e] = (await callOk<List>(h.host, 'diagnostics.list', { kind: 'discovery', profileId: p.id })).entries as DiscoveryEntry[];
    expect(e).toMatchObject({ state: 'forbidden', status: 403, found: 0, profile: 'Globex only' });
    const full = await callOk<DiscoveryEntry>(h.host, 'diagnostics.get', { id: e!.id });
    expect(full.pages[0]!.response).toMatchObject({ message: 'listing webtasks across containers requires the master token' });
    expect((await callOk<List>(h.host, 'diagnostics.list', { statusClass: '4xx', kind: 'discovery' })).total).toBe(1);

    const fresh = await hostOnEmulator(emu());
    try {
      // Two views asking at once (their calls overlap on a busy machine) share one first-run discovery.
      const [a, b] = await Promise.all([
        callOk<TenantList>(fresh.host, 'tenants.list', {}),
        callOk<TenantList>(fresh.host, 'tenants.list', {}),
      ]);
      expect(b.tenants.map((t) => t.name)).toEqual(a.tenants.map((t) => t.name));
      const all = (await callOk<List>(fresh.host, 'diagnostics.list', {})).entries as DiscoveryEntry[];
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ kind: 'discovery', auto: true, state: 'ok' });
    } finally {
      await fresh.close();
    }
  });

  it('records a manual discovery that failed (a 500 from the cluster) before the error reaches the user', async () => {
    const fresh = await hostOnEmulator(emu());
    const rule = emu().faults.add({ path: '/api/webtask', status: 500, count: 1 });
    try {
      const r = await fresh.host.call(
        'tenants.discover',
        {},
        createSession(fresh.host.deps, 'failed-discovery', () => undefined),
      );
      expect(r.ok).toBe(false);
      const list = await callOk<List>(fresh.host, 'diagnostics.list', { kind: 'discovery', statusClass: '5xx' });
      expect(list.entries[0]).toMatchObject({ kind: 'discovery', state: 'failed', status: 500, found: 0, auto: false });
    } finally {
      emu().faults.remove(rule.id);
      await fresh.close();
    }
  });

  it("records an extension discovery (a tenant's list filtered by auth0-extension meta) with its entire answers, tokens removed; other listings are not recorded", async () => {
    const before = (await callOk<List>(h.host, 'diagnostics.list', { kind: 'discovery' })).total;
    await callOk(h.host, 'webtasks.list', { container: 'bulk-10k', limit: 100 });
    expect((await callOk<List>(h.host, 'diagnostics.list', { kind: 'discovery' })).total).toBe(before);

    const page = await callOk<{ items: unknown[] }>(h.host, 'webtasks.list', { container: 'bulk-10k', auth0Only: true, limit: 100 });
    expect(page.items).toHaveLength(100);
    const [e] = (await callOk<List>(h.host, 'diagnostics.list', { kind: 'discovery', tenant: 'bulk-10k' })).entries as DiscoveryEntry[];
    expect(e).toMatchObject({
      scope: 'extensions',
      tenant: 'bulk-10k',
      state: 'ok',
      status: 200,
      found: 100,
      tenants: 1,
      message: '100 extensions in bulk-10k with auth0-extension:runtime.',
    });
    const full = await callOk<DiscoveryEntry>(h.host, 'diagnostics.get', { id: e!.id });
    expect(full.pages[0]!.request.url).toBe(`${emu().url}/api/webtask/bulk-10k?limit=100&meta=auth0-extension%3Aruntime`);
    const truth = await api<Array<Record<string, unknown>>>(emu(), '/api/webtask/bulk-10k?limit=100&meta=auth0-extension:runtime');
    expect(full.pages[0]!.response).toEqual(truth.body.map(({ token: _t, ...rest }) => rest));
    expect(JSON.stringify(full)).not.toContain(String(truth.body[0]!.token));

    // Refused (a token for another tenant): recorded with the cluster's answer, and the call still fails.
    const token = emu().issueToken({ ten: 'globex' }, 'v2');
    const p = await callOk<{ id: string }>(h.host, 'profiles.save', { name: 'Globex list', url: emu().url, container: 'globex', token });
    const r = await h.host.call(
      'webtasks.list',
      { profileId: p.id, container: 'initech', auth0Only: true },
      createSession(h.host.deps, 's', () => {}),
    );
    expect(!r.ok && r.error.code).toBe('forbidden');
    const [refused] = (await callOk<List>(h.host, 'diagnostics.list', { kind: 'discovery', profileId: p.id })).entries as DiscoveryEntry[];
    expect(refused).toMatchObject({
      scope: 'extensions',
      tenant: 'initech',
      state: 'forbidden',
      status: 403,
      found: 0,
      error: { code: 'forbidden' },
    });
  });

  it('filters by tenant, extension, status class, source and text; exports the filtered view as JSON lines and CSV', async () => {
    await callOk(h.host, 'webtasks.invoke', { container: 'acme-staging', name: 'legacy-sync' });
    await callOk(h.host, 'webtasks.invoke', { container: 'initech', name: 'legacy-sync' });
    await callOk(h.host, 'webtasks.invoke', { container: 'initech', name: 'nope-not-here' });
    const only = (q: object) => callOk<List>(h.host, 'diagnostics.list', q);
    const fiveInitech = await only({ tenant: 'initech', statusClass: '5xx' });
    expect(fiveInitech.entries.map((e) => (e as InvocationEntry).extension)).toEqual(['legacy-sync']);
    expect((await only({ statusClass: '5xx' })).total).toBe(2);
    expect((await only({ tenant: 'initech', extension: 'hello' })).total).toBe(1);
    expect((await only({ statusClass: '4xx', kind: 'invocation' })).entries.map((e) => (e as InvocationEntry).extension)).toEqual([
      'nope-not-here',
    ]);
    expect((await only({ source: 'webtask', tenant: 'initech' })).total).toBe(2);
    expect((await only({ source: 'none', kind: 'invocation' })).total).toBe(1); // the 404 came from the cluster's API, not the proxy
    expect((await only({ text: 'NOPE-NOT' })).total).toBe(1);
    expect((await only({ text: 'ext-09999' })).entries.every((e) => e.kind === 'discovery')).toBe(true);

    const jsonl = await callOk<{ fileName: string; content: string; count: number }>(h.host, 'diagnostics.export', {
      tenant: 'initech',
      statusClass: '5xx',
      format: 'jsonl',
    });
    expect(jsonl.fileName).toMatch(/^diagnostics-[\d-]+\.jsonl$/);
    expect(jsonl.count).toBe(1);
    const lines = jsonl.content
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InvocationEntry);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ tenant: 'initech', extension: 'legacy-sync', status: 500 });

    const csv = await callOk<{ fileName: string; content: string; count: number }>(h.host, 'diagnostics.export', {
      kind: 'invocation',
      format: 'csv',
    });
    expect(csv.fileName).toMatch(/\.csv$/);
    const rows = csv.content.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'at,kind,profile,tenant,extension,method,path,status,error,elapsed_ms,response_source,stats_header,stats,proxy_stats,req_id,response_bytes,extensions_found,tenants_found,pages',
    );
    expect(rows).toHaveLength(csv.count + 1);
    expect(rows.find((r) => r.includes(',initech,hello,'))).toMatch(/,webtask,s-auth0-stats,"\{""response""/);
    // Oldest first, as a log reads.
    expect(rows[1]).toContain(',initech,hello,');
  });

  it('a log that cannot be written does not fail the call: the user is told', async () => {
    const other = await hostOnEmulator(emu());
    try {
      // The active file is a directory: every append fails.
      mkdirSync(join(other.dataDir, 'diagnostics', 'diagnostics.jsonl'), { recursive: true });
      const notices: unknown[] = [];
      const r = await other.host.call(
        'webtasks.invoke',
        { container: 'initech', name: 'hello' },
        createSession(other.host.deps, 's', (topic, payload) => notices.push({ topic, payload })),
      );
      expect(r.ok).toBe(true);
      expect(notices).toContainEqual({
        topic: 'app.notice',
        payload: { level: 'warning', message: expect.stringMatching(/^The diagnostics log could not be written: EISDIR/) },
      });
    } finally {
      await other.close();
    }
  });

  it('refuses bad input with words; an unknown id is not found; clear empties the log and is audited', async () => {
    const bad = await h.host.call(
      'diagnostics.list',
      { statusClass: '6xx' },
      createSession(h.host.deps, 's', () => {}),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid_input');
    const missing = await h.host.call(
      'diagnostics.get',
      { id: 'nope' },
      createSession(h.host.deps, 's', () => {}),
    );
    expect(!missing.ok && missing.error.message).toMatch(/No diagnostics entry nope: it may have been rotated out or cleared/);
    const n = (await callOk<List>(h.host, 'diagnostics.list', {})).total;
    expect(await callOk(h.host, 'diagnostics.clear', {})).toEqual({ removed: n });
    expect((await callOk<List>(h.host, 'diagnostics.list', {})).total).toBe(0);
    const audit = await callOk<{ entries: Array<{ action: string }> }>(h.host, 'audit.list', { action: 'diagnostics.' });
    expect(audit.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['diagnostics.clear', 'diagnostics.export', 'diagnostics.settings']),
    );
  });
});

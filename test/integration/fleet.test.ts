// The fleet view's core over real sockets against the emulator's fleet seed (1,000 tenants, 20,000
// extensions): the scan finds exactly the failing jobs and lagging exports the seed planted, survives
// 429s and a tenant answering 500 (its row says why), stops on lock; the search finds exactly the
// planted code; a catastrophic regex on a long line finishes.
import { describe, expect, it } from 'vitest';
import { createSession, type Host } from '../../core/host';
import { fleetTuning } from '../../core/host/features/fleet';
import { fleetPlan, SNIPPETS } from '../../emulator/fleet-seed';
import type { AuditEntry, FleetProgress, FleetRow, LastScan, TenantHits } from '../../common/contract';
import { api, useEmulator } from '../helpers/emulator';
import { callOk, hostOnEmulator } from '../helpers/host';

const emu = useEmulator({ seed: 'fleet' });
const plan = fleetPlan();
const HOUR = 3_600_000;
// Short backoffs: the fault layer's resets are one second away anyway.
fleetTuning.gate = { baseDelayMs: 50, maxDelayMs: 3000 };

type Ev = { topic: string; payload: unknown };

async function setup() {
  const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000, container: 'acme-prod-000' });
  const events: Ev[] = [];
  const session = createSession(h.host.deps, 'fleet-test', (topic, payload) => events.push({ topic, payload }));
  return { ...h, events, session, call: (channel: string, input: unknown) => h.host.call(channel, input, session) };
}

/** Waits (bounded) for the final progress event of a scan or search. */
async function finished(events: Ev[], id: string, timeoutMs = 120_000): Promise<FleetProgress> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const end = events.find(
      (e) => e.topic === 'fleet.progress' && (e.payload as FleetProgress).id === id && (e.payload as FleetProgress).state !== 'running',
    );
    if (end) return end.payload as FleetProgress;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${id} did not finish within ${timeoutMs} ms`);
}

const rowsOf = (events: Ev[], scanId: string) =>
  events
    .filter((e) => e.topic === 'fleet.row' && (e.payload as { scanId: string }).scanId === scanId)
    .map((e) => (e.payload as { row: FleetRow }).row);
const hitsOf = (events: Ev[], searchId: string) =>
  events
    .filter((e) => e.topic === 'fleet.hits' && (e.payload as { searchId: string }).searchId === searchId)
    .map((e) => (e.payload as { tenant: TenantHits }).tenant);
const key = (c: string, n: string) => `${c}/${n}`;

async function start(
  h: Awaited<ReturnType<typeof setup>>,
  channel: 'fleet.scan' | 'fleet.search',
  input: Record<string, unknown>,
): Promise<string> {
  const r = await h.call(channel, input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  const d = r.data as { scanId?: string; searchId?: string };
  return (d.scanId ?? d.searchId)!;
}

async function auditOf(host: Host, action: string): Promise<AuditEntry[]> {
  return (await callOk<{ entries: AuditEntry[] }>(host, 'audit.list', { action })).entries;
}

describe('fleet scan', () => {
  it('finds every failing job and every lagging export the seed planted, and no others', async () => {
    const h = await setup();
    try {
      const scanId = await start(h, 'fleet.scan', { concurrency: 8 });
      const end = await finished(h.events, scanId);
      expect(end).toMatchObject({ state: 'done', total: 1000, done: 1000, failed: 0 });
      const rows = rowsOf(h.events, scanId);
      expect(rows).toHaveLength(1000);
      expect(rows.every((r) => r.state === 'ok')).toBe(true);
      // Progress was streamed with counts along the way, not only at the end.
      const steps = h.events.filter((e) => e.topic === 'fleet.progress' && (e.payload as FleetProgress).id === scanId);
      expect(steps.length).toBeGreaterThan(2);
      expect(steps.some((e) => (e.payload as FleetProgress).etaMs !== null && (e.payload as FleetProgress).state === 'running')).toBe(true);

      const failing = rows.flatMap((r) => r.failing.map((f) => key(r.container, f.name))).sort();
      expect(failing).toEqual(plan.failing.map((f) => key(f.container, f.name)).sort());
      // Error counts are at least what was planted (a failing job may fire again during the test).
      const counts = new Map(rows.flatMap((r) => r.failing.map((f) => [key(r.container, f.name), f.errorCount] as const)));
      for (const f of plan.failing) expect(counts.get(key(f.container, f.name))).toBeGreaterThanOrEqual(f.errorCount);

      const lagging = rows
        .flatMap((r) => r.exports.filter((x) => x.lagMs !== null && x.lagMs > HOUR).map((x) => key(r.container, x.name)))
        .sort();
      expect(lagging).toEqual(plan.lagging.map((l) => key(l.container, l.name)).sort());
      for (const l of plan.lagging) {
        const x = rows.find((r) => r.container === l.container)!.exports.find((e) => e.name === l.name)!;
        expect(x.lagMs!).toBeGreaterThanOrEqual(l.ageMs);
        expect(x.cron).toBe(l.mode === 'inactive' ? 'inactive' : 'active');
      }
      // Extensions and Auth0 extensions per tenant, as planted.
      for (const c of plan.containers) {
        const r = rows.find((x) => x.container === c.name)!;
        expect(r.extensions).toBe(c.extensions.length);
        expect(r.cron).toEqual({
          active: c.jobs.filter((j) => j.state === 'active').length,
          inactive: c.jobs.filter((j) => j.state === 'inactive').length,
        });
      }
      expect(rows.reduce((a, r) => a + Object.values(r.auth0).reduce((x, y) => x + y, 0), 0)).toBe(plan.auth0);

      // The cache holds the scan with its time, so reopening is instant; the audit says a scan ran.
      const last = await callOk<{ scan: LastScan | null }>(h.host, 'fleet.last', {});
      expect(last.scan?.complete).toBe(true);
      expect(last.scan?.rows).toHaveLength(1000);
      expect(Date.parse(last.scan!.at)).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect((await auditOf(h.host, 'fleet.scan.end'))[0]?.detail).toMatchObject({ scanId, state: 'done', tenants: 1000 });

      // CSV export of the last scan: one line per tenant plus the header.
      const csv = await callOk<{ text: string; fileName: string }>(h.host, 'fleet.export', { what: 'scan', format: 'csv' });
      expect(csv.fileName).toMatch(/\.csv$/);
      expect(csv.text.trim().split('\r\n')).toHaveLength(1001);
      expect(h.host.deps.flows.size).toBe(0);
    } finally {
      await h.close();
    }
  }, 180_000);

  it('waits out 429s, marks the tenant that answers 500, keeps every other row, and refreshes one row', async () => {
    const h = await setup();
    const broken = plan.failing[0]!.container;
    const rules = [
      emu().faults.add({ path: '/api/cron/', rateLimitResetSec: 1, count: 12 }),
      emu().faults.add({ pathRegex: `^/api/(cron|webtask)/${broken}(/|\\?|$)`, status: 500 }),
    ];
    try {
      const scanId = await start(h, 'fleet.scan', { concurrency: 6 });
      const end = await finished(h.events, scanId);
      expect(end.state).toBe('done');
      expect(end.rateLimited).toBeGreaterThanOrEqual(1);
      expect(end.failed).toBe(1);
      const rows = rowsOf(h.events, scanId);
      expect(rows).toHaveLength(1000);
      const bad = rows.find((r) => r.container === broken)!;
      expect(bad.state).not.toBe('ok');
      expect(bad.problem).toMatch(/Cron jobs could not be read: fault injected: HTTP 500/);
      expect(bad.extensions).toBe(plan.containers.find((c) => c.name === broken)!.extensions.length);
      expect(rows.filter((r) => r.state !== 'ok').map((r) => r.container)).toEqual([broken]);
      // Every other planted failing job is still found.
      const failing = new Set(rows.flatMap((r) => r.failing.map((f) => key(r.container, f.name))));
      for (const f of plan.failing) if (f.container !== broken) expect(failing.has(key(f.container, f.name))).toBe(true);

      // The tenant recovers: refreshing its row alone reads it fully and updates the cache.
      for (const r of rules) emu().faults.remove(r.id);
      const fresh = await callOk<FleetRow>(h.host, 'fleet.refreshRow', { container: broken });
      expect(fresh.state).toBe('ok');
      expect(fresh.failing.length).toBeGreaterThan(0);
      const last = await callOk<{ scan: LastScan }>(h.host, 'fleet.last', {});
      expect(last.scan.rows.find((r) => r.container === broken)?.state).toBe('ok');
    } finally {
      emu().faults.clear();
      await h.close();
    }
  }, 180_000);

  it('stops when the console locks (a tracked flow), cancels by id, and resumes where it stopped', async () => {
    const h = await setup();
    emu().faults.add({ path: '/api/cron/', latencyMs: 20 });
    try {
      const first = await start(h, 'fleet.scan', { concurrency: 2 });
      expect(h.host.deps.flows.labels()).toContain('fleet scan Local emulator');
      // Let it get somewhere, then lock.
      for (let i = 0; i < 200 && rowsOf(h.events, first).length < 20; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await h.host.deps.flows.closeAll('The console was locked.')).toBe(1);
      const stopped = await finished(h.events, first);
      expect(stopped.state).toBe('cancelled');
      expect(stopped.message).toMatch(/^The console was locked\./);
      const got = rowsOf(h.events, first).length;
      expect(got).toBeGreaterThanOrEqual(20);
      expect(got).toBeLessThan(1000);
      const partial = await callOk<{ scan: LastScan }>(h.host, 'fleet.last', {});
      expect(partial.scan.complete).toBe(false);

      // Resume: only the rest is read; the cache ends complete with every tenant once.
      emu().faults.clear();
      const second = await start(h, 'fleet.scan', { resume: true, concurrency: 8 });
      const end = await finished(h.events, second);
      expect(end.state).toBe('done');
      expect(rowsOf(h.events, second).length).toBe(1000 - partial.scan.rows.length);
      const last = await callOk<{ scan: LastScan }>(h.host, 'fleet.last', {});
      expect(last.scan.complete).toBe(true);
      expect(new Set(last.scan.rows.map((r) => r.container)).size).toBe(1000);

      // Cancel by id, from the session that started it only.
      const third = await start(h, 'fleet.scan', {});
      // callOk calls from a session of its own: not the one that started the scan.
      expect(await callOk(h.host, 'fleet.cancel', { id: third })).toEqual({ cancelled: false });
      const mine = await h.call('fleet.cancel', { id: third });
      expect(mine).toEqual({ ok: true, data: { cancelled: true } });
      expect((await finished(h.events, third)).state).toBe('cancelled');
    } finally {
      emu().faults.clear();
      await h.close();
    }
  }, 180_000);
});

describe('fleet search', () => {
  it('finds exactly the extensions holding a planted snippet, with the line highlighted', async () => {
    const h = await setup();
    try {
      for (const [id, regex] of [
        ['legacyBilling', false],
        ['jwtDecode', false],
        ['hardcodedKey', false],
      ] as const) {
        const pattern = SNIPPETS[id].trim();
        const searchId = await start(h, 'fleet.search', { query: { code: { pattern, regex } } });
        const end = await finished(h.events, searchId);
        expect(end.state).toBe('done');
        const tenants = hitsOf(h.events, searchId);
        const found = tenants.flatMap((t) => t.hits.flatMap((x) => x.lines.map((l) => `${key(t.container, x.name)}:${l.line}`))).sort();
        expect(found).toEqual(plan.planted[id].map((p) => `${key(p.container, p.name)}:${p.line}`).sort());
        const line = tenants[0]!.hits[0]!.lines[0]!;
        expect(line.text.slice(line.ranges[0]![0], line.ranges[0]![1])).toBe(pattern);
      }
      // A regex over every extension's code, and the summary event.
      const searchId = await start(h, 'fleet.search', {
        query: { code: { pattern: 'jwt\\.decode\\(ctx\\.body\\.\\w+\\)', regex: true, caseSensitive: true } },
      });
      await finished(h.events, searchId);
      const done = h.events.find((e) => e.topic === 'fleet.searchDone' && (e.payload as { searchId: string }).searchId === searchId)!
        .payload as { extensions: number; scanned: number };
      expect(done.extensions).toBe(plan.planted.jwtDecode.length);
      expect(done.scanned).toBe(20_000);
      // Export as JSON and CSV; the audit records the pattern, never the code found.
      const exp = async (format: string) => {
        const r = await h.call('fleet.export', { what: 'search', format, searchId });
        if (!r.ok) throw new Error(r.error.message);
        return (r.data as { text: string }).text;
      };
      const json = JSON.parse(await exp('json')) as { tenants: TenantHits[] };
      expect(json.tenants.flatMap((t) => t.hits)).toHaveLength(plan.planted.jwtDecode.length);
      const csv = { text: await exp('csv') };
      // Only the session that searched can export it.
      await expect(callOk(h.host, 'fleet.export', { what: 'search', format: 'csv', searchId })).rejects.toThrow(/not available/);
      expect(csv.text.trim().split('\r\n')).toHaveLength(1 + plan.planted.jwtDecode.length);
      const audited = await auditOf(h.host, 'fleet.search');
      const entry = audited.find((a) => a.action === 'fleet.search' && a.detail?.searchId === searchId)!;
      expect(entry.detail).toMatchObject({ code: { pattern: 'jwt\\.decode\\(ctx\\.body\\.\\w+\\)', regex: true } });
      // The entries of this search name the pattern; the lines found (with "id_token", "FIXME") stay out.
      const ofThis = JSON.stringify(audited.filter((a) => a.detail?.searchId === searchId));
      expect(ofThis).not.toContain('id_token');
      expect(ofThis).not.toContain('FIXME');
    } finally {
      await h.close();
    }
  }, 180_000);

  it('searches by name, meta (AND) and Auth0 extension from the cross-container list', async () => {
    const h = await setup();
    try {
      const all = plan.containers.flatMap((c) => c.extensions.map((e) => ({ c: c.name, e })));
      const cases: Array<[Record<string, unknown>, (x: (typeof all)[number]) => boolean]> = [
        [{ name: 'SYNC-users' }, (x) => x.e.name.includes('sync-users')],
        [
          {
            meta: [
              { key: 'team', value: 'payments' },
              { key: 'tier', value: 'gold' },
            ],
          },
          (x) => x.e.meta.team === 'payments' && x.e.meta.tier === 'gold',
        ],
        [{ auth0: 'logs-to-logstash' }, (x) => x.e.meta['auth0-extension-name'] === 'logs-to-logstash'],
        [
          { auth0: true, meta: [{ key: 'team', value: 'data' }] },
          (x) => x.e.meta['auth0-extension'] === 'runtime' && x.e.meta.team === 'data',
        ],
      ];
      for (const [query, pred] of cases) {
        const searchId = await start(h, 'fleet.search', { query });
        await finished(h.events, searchId);
        const got = hitsOf(h.events, searchId)
          .flatMap((t) => t.hits.map((x) => key(t.container, x.name)))
          .sort();
        const want = all
          .filter(pred)
          .map((x) => key(x.c, x.e.name))
          .sort();
        expect(want.length).toBeGreaterThan(0);
        expect(got).toEqual(want);
      }
      const none = await h.call('fleet.search', { query: {} });
      expect(none.ok).toBe(false);
      if (!none.ok) expect(none.error.message).toMatch(/at least one criterion/);
      const badRx = await h.call('fleet.search', { query: { code: { pattern: '(?<=x)y', regex: true } } });
      expect(badRx.ok).toBe(false);
      if (!badRx.ok) expect(badRx.error).toMatchObject({ code: 'invalid_input' });
    } finally {
      await h.close();
    }
  }, 180_000);

  it('marks a tenant that fails the code search, and runs (a+)+$ over a 200,000-character line to the end', async () => {
    const h = await setup();
    const target = plan.containers[7]!.name;
    const put = await api(emu(), `/api/webtask/${target}/catastrophic`, {
      method: 'PUT',
      body: { code: `// ${'a'.repeat(200_000)}b\nmodule.exports = function (cb) { cb(null, 'aaaa'); };\n` },
    });
    expect(put.status).toBe(200);
    const broken = plan.planted.legacyBilling[0]!.container;
    emu().faults.add({ pathRegex: `^/api/webtask/${broken}\\?`, status: 500 });
    try {
      const searchId = await start(h, 'fleet.search', { query: { code: { pattern: '(a+)+$', regex: true, caseSensitive: true } } });
      const end = await finished(h.events, searchId);
      expect(end.state).toBe('done');
      expect(end.failed).toBe(1);
      const tenants = hitsOf(h.events, searchId);
      expect(tenants.find((t) => t.container === broken)).toMatchObject({
        state: 'failed',
        problem: expect.stringMatching(/fault injected: HTTP 500/),
      });
      // No line of the fleet ends in a run of a's (the long one ends in "b"): no hits, and the search ended.
      expect(tenants.filter((t) => t.state === 'ok')).toEqual([]);
      const scanned = (
        h.events.find((e) => e.topic === 'fleet.searchDone' && (e.payload as { searchId: string }).searchId === searchId)!.payload as {
          scanned: number;
        }
      ).scanned;
      expect(scanned).toBe(20_001 - plan.containers.find((c) => c.name === broken)!.extensions.length);
    } finally {
      emu().faults.clear();
      await api(emu(), `/api/webtask/${target}/catastrophic`, { method: 'DELETE' });
      await h.close();
    }
  }, 180_000);
});

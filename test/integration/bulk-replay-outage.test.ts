// Bulk replay after an outage, against the emulator: 20 tenants whose Logstash answered 503 for an hour
// of logs are selected (by destination host, fleet rows, by hand), planned with estimates, and replayed
// locally with concurrency 4 and then remotely (each tenant's own job on the cluster); every missing log
// arrives, duplicates stay within one batch per tenant, a Slack summary is sent. Then a host process
// replaying 12 tenants is SIGKILLed 5 times and restarted over its data dir: the journal carries on.
// The tenants are made for the test on an empty seed: no cron job exists, so no scheduled run races a replay.
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auth0Of, demoAuth0Credentials, demoExportSecrets } from '../../emulator/auth0/index';
import { destinationsOf } from '../../emulator/destinations/index';
import type { Emulator } from '../../emulator/index';
import { bulkIdle, haltBulks } from '../../core/host/bulk-replay/runner';
import { storageCheckpointStore } from '../../core/export/checkpoint';
import { runExport } from '../../core/export/engine';
import type { Host } from '../../core/host';
import type { BulkPlan, BulkView, RemoteRun } from '../../common/contract';
import { api, useEmulator } from '../helpers/emulator';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { callOk, hostOnEmulator, tempDir } from '../helpers/host';
import { createSession } from '../../core/host';

const JOB = 'logs-to-logstash';
const BATCH = 100;
const HOUR = 3_600_000;
const EXPORT_CODE = `module.exports = function (ctx, cb) {
  require('auth0-log-export')(ctx).then(function (report) { cb(null, report); }, cb);
};
`;

/**
 * Tenants with `perHour` logs in the hour before the outage (delivered by a good run) and `perHour` in
 * the outage hour (a run failed on Logstash 503s): returns each tenant's failed checkpoint.
 */
async function outage(emu: Emulator, host: Host, names: string[], perHour: number): Promise<Map<string, string>> {
  const a = auth0Of(emu)!;
  const now = Date.now();
  for (const c of names) {
    const t = a.createTenant(c, {
      clients: [{ ...demoAuth0Credentials(c), scopes: ['read:logs'] }],
      rateLimit: { limit: 50, windowSec: 1 },
    });
    for (let i = 0; i < perHour; i++) t.append(now - 2 * HOUR + Math.floor((i * HOUR) / perHour));
    const put = await api(emu, `/api/webtask/${c}/${JOB}`, {
      method: 'PUT',
      body: {
        code: EXPORT_CODE,
        meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': JOB },
        secrets: {
          ...demoExportSecrets(emu.url, c, JOB),
          START_FROM: '',
          MAX_BATCH_EVENTS: String(BATCH),
          MAX_RETRIES: '1',
          RETRY_BASE_MS: '50',
        },
      },
    });
    expect(put.status).toBeLessThan(300);
  }
  const all = async (f: (c: string) => Promise<void>) => {
    for (let i = 0; i < names.length; i += 5) await Promise.all(names.slice(i, i + 5).map(f));
  };
  await all(async (c) => expect((await callOk<RemoteRun>(host, 'exports.runNow', { container: c, name: JOB })).ok).toBe(true));
  const down = emu.faults.add({ path: '/dest/logstash', status: 503 });
  for (const c of names) for (let i = 0; i < perHour; i++) a.tenant(c)!.append(now - HOUR + Math.floor((i * HOUR) / perHour));
  const failed = new Map<string, string>();
  try {
    await all(async (c) => {
      const r = await callOk<RemoteRun>(host, 'exports.runNow', { container: c, name: JOB });
      expect(r.ok).toBe(false);
      expect(r.item.failedCheckpoint).toMatch(/^\d{56}$/);
      failed.set(c, r.item.failedCheckpoint!);
    });
  } finally {
    emu.faults.remove(down.id);
  }
  return failed;
}

/** Every log after the failed checkpoint reached the tenant's Logstash; duplicates within one batch per interruption. */
function expectDelivered(emu: Emulator, view: BulkView, failed: Map<string, string>, perHour: number) {
  let duplicates = 0;
  for (const t of view.tenants) {
    const from = failed.get(t.container)!;
    const want = auth0Of(emu)!
      .tenant(t.container)!
      .allIds()
      .filter((id) => id > from);
    expect(want).toHaveLength(perHour);
    const got = idsOf(destinationsOf(emu)!.logstash.pipelines.get(t.container)?.events ?? []).filter((id) => id > from);
    const check = checkDelivery(want, got);
    expect(check.missing, `${t.container} lost logs`).toEqual([]);
    expect(check.duplicates).toBeLessThanOrEqual(BATCH * Math.max(1, t.attempts - 1));
    if (check.duplicates > 0) expect(t.duplicatesPossible).toBe(true);
    duplicates += check.duplicates;
  }
  return duplicates;
}

const viewsOf = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { view: BulkView }).view);

/** A host process (test/helpers/bulk-host-child.ts) over `dataDir`; its output lines, views and exit. */
function launchHost(emu: Emulator, dataDir: string, args: string[], children: ChildProcess[]) {
  const child = fork(new URL('../helpers/bulk-host-child.ts', import.meta.url).pathname, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, BULK_DATA_DIR: dataDir, BULK_EMU_URL: emu.url, BULK_EMU_TOKEN: emu.masterToken },
  });
  children.push(child);
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const until = async (pred: (l: string[]) => boolean, what: string) => {
    for (let i = 0; i < 1200 && !pred(lines); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!pred(lines)) {
      const last = viewsOf(lines).at(-1);
      const state = last ? `last view: ${last.state}, ${last.delivered} delivered, ${JSON.stringify(last.counts)}` : 'no view';
      throw new Error(`child never ${what} (exit ${child.exitCode}; ${state}); stderr: ${err.slice(-2000)}`);
    }
  };
  const views = () => viewsOf(lines);
  return { child, exited, until, views, lines };
}

async function stopAll(children: ChildProcess[]) {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
}

const tenantsOf = (names: string[]) => names.map((container) => ({ container, name: JOB }));
const slackSummaries = (emu: Emulator, bulkId: string) =>
  destinationsOf(emu)!.slack.messages.filter((m) => m.message.text?.startsWith(`Bulk replay ${bulkId}`));

describe('bulk replay after an outage', () => {
  const emu = useEmulator({ seed: 'empty' });
  const PER_HOUR = 300;

  it('selects 20 tenants, previews estimates, replays locally with concurrency 4: 0 lost, Slack summary', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    try {
      const names = Array.from({ length: 20 }, (_, i) => `outage-${String(i).padStart(2, '0')}`);
      const before = new Date().toISOString();
      const failed = await outage(emu(), h.host, names, PER_HOUR);

      // Selection: every job sending to the emulator's host; fleet rows (a non-export row left out); by hand.
      const byHost = await callOk<{ tenants: Array<{ container: string; name: string }>; note: string }>(h.host, 'bulk.select', {
        select: { destinationHost: emu().url },
      });
      expect(byHost.tenants.map((t) => t.container).sort()).toEqual(names);
      const none = await callOk<{ tenants: unknown[] }>(h.host, 'bulk.select', { select: { destinationHost: 'logs.elsewhere.example' } });
      expect(none.tenants).toEqual([]);
      const fleet = await callOk<{ tenants: Array<{ container: string }>; note: string }>(h.host, 'bulk.select', {
        select: {
          fleet: [
            { tenant: names[0], job: JOB },
            { tenant: names[0], job: 'not-there' },
          ],
        },
      });
      expect(fleet.tenants).toEqual([expect.objectContaining({ container: names[0], name: JOB })]);
      expect(fleet.note).toContain(`${names[0]}/not-there`);

      // The plan: each tenant from its failed checkpoint, an estimate near the 300 missing logs, the totals.
      const plan = await callOk<BulkPlan>(h.host, 'bulk.preview', { tenants: tenantsOf(names) });
      expect(plan.tenants).toBe(20);
      for (const i of plan.items) {
        expect(i.from).toBe(failed.get(i.container));
        expect(i.estimate).toBeGreaterThanOrEqual(PER_HOUR * 0.8);
        expect(i.estimate).toBeLessThanOrEqual(PER_HOUR * 1.2);
        expect(i.estimateNote).toMatch(/^estimate: /);
      }
      expect(plan.estimateTotal).toBe(plan.items.reduce((n, i) => n + i.estimate!, 0));
      expect(plan.unestimated).toBe(0);
      // "The last good checkpoint before a time": the good run's checkpoint (the failed run did not move it); none before the first run.
      const byTime = await callOk<BulkPlan>(h.host, 'bulk.preview', {
        tenants: [
          { container: names[1], name: JOB, fromBefore: new Date().toISOString() },
          { container: names[2], name: JOB, fromBefore: before },
        ],
      });
      expect(byTime.items[0]).toMatchObject({ from: failed.get(names[1]!), fromSource: expect.stringContaining('last good console run') });
      expect(byTime.items[1]!.problem).toContain('No successful run with a checkpoint ended before');

      const events: BulkView[] = [];
      const { createSession } = await import('../../core/host');
      const session = createSession(h.host.deps, 'bulk', (topic, p) => topic === 'bulk.progress' && events.push(p as BulkView));
      const started = await h.host.call(
        'bulk.start',
        { tenants: tenantsOf(names), concurrency: 4, confirm: { tenants: 20, destinations: 20 } },
        session,
      );
      if (!started.ok) throw new Error(started.error.message);
      const final = await bulkIdle(h.host.deps, (started.data as BulkView).bulkId);
      expect(final.mode).toBe('local');
      expect(final.counts).toMatchObject({ ok: 20, failed: 0 });
      expect(Math.max(...events.map((e) => e.counts.running))).toBeLessThanOrEqual(4);
      expect(Math.max(...events.map((e) => e.counts.running))).toBeGreaterThan(1);
      expect(final.delivered).toBe(20 * PER_HOUR);
      expect(expectDelivered(emu(), final, failed, PER_HOUR)).toBe(0);

      // One summary per Slack webhook (each tenant has its own): it names only that tenant.
      // The summary goes out after the last tenant; the view says so once every webhook answered.
      let view = await callOk<BulkView>(h.host, 'bulk.get', { bulkId: final.bulkId });
      for (let i = 0; i < 400 && !view.slack; i++) {
        await new Promise((r) => setTimeout(r, 50));
        view = await callOk<BulkView>(h.host, 'bulk.get', { bulkId: final.bulkId });
      }
      expect(view.slack).toBe('sent to 20 Slack webhook(s)');
      const sums = slackSummaries(emu(), final.bulkId);
      expect(sums).toHaveLength(20);
      const one = sums.find((m) => m.hook.includes(names[3]!))!;
      expect(one.message.text).toContain('1 of 1 tenant job(s) replayed, 300 logs delivered');
      expect(JSON.stringify(one.message)).not.toContain(names[4]);
    } finally {
      await haltBulks(h.host.deps);
      await h.close();
    }
  }, 180_000);

  it('replays 20 tenants remotely (their own jobs on the cluster), START_FROM put back, 0 lost; a foreign extension says what to do', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    try {
      const names = Array.from({ length: 20 }, (_, i) => `remote-${String(i).padStart(2, '0')}`);
      const failed = await outage(emu(), h.host, names, PER_HOUR);
      // An extension that is not the console's, with a checkpoint in its storage: START_FROM would be ignored.
      const foreign = 'foreign-ext';
      auth0Of(emu())!.createTenant(foreign, { clients: [{ ...demoAuth0Credentials(foreign), scopes: ['read:logs'] }] });
      await api(emu(), `/api/webtask/${foreign}/${JOB}`, {
        method: 'PUT',
        body: {
          code: 'module.exports = function (ctx, cb) { cb(null, {}); };',
          meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': JOB },
          secrets: { ...demoExportSecrets(emu().url, foreign, JOB), START_FROM: '' },
        },
      });
      const someId = failed.get(names[0]!)!;
      await api(emu(), `/api/webtask/${foreign}/${JOB}/data`, { method: 'PUT', body: { data: JSON.stringify({ checkpointId: someId }) } });

      const targets = [...tenantsOf(names), { container: foreign, name: JOB, from: someId }];
      const plan = await callOk<BulkPlan>(h.host, 'bulk.preview', { tenants: targets, mode: 'remote' });
      expect(plan.tenants).toBe(20);
      for (const i of plan.items.filter((x) => x.container !== foreign)) expect(i.remote?.method).toBe('reset-storage');
      const f = plan.items.find((i) => i.container === foreign)!;
      expect(f.remote?.method).toBe('manual');
      expect(f.problem).toContain('reads START_FROM only while its storage holds no checkpoint');
      expect(f.problem).toContain(`PUT /api/webtask/${foreign}/${JOB}/data`);

      const b = await callOk<BulkView>(h.host, 'bulk.start', {
        tenants: targets,
        mode: 'remote',
        concurrency: 4,
        confirm: { tenants: 20, destinations: 20 },
      });
      const final = await bulkIdle(h.host.deps, b.bulkId);
      expect(final.mode).toBe('remote');
      expect(final.tenants.filter((t) => t.error).map((t) => `${t.container}: ${t.error}`)).toEqual([]);
      expect(final.counts).toMatchObject({ ok: 20, failed: 0 });
      expect(final.delivered).toBe(20 * PER_HOUR);
      expectDelivered(emu(), final, failed, PER_HOUR);
      for (const c of names.slice(0, 3)) {
        // START_FROM is back as it was (empty), and the job's stored checkpoint is its newest log.
        const w = await api<{ secrets: Record<string, string> }>(emu(), `/api/webtask/${c}/${JOB}?decrypt=true`);
        expect(w.body.secrets.START_FROM).toBe('');
        const d = await api<{ data: string }>(emu(), `/api/webtask/${c}/${JOB}/data`);
        expect((JSON.parse(d.body.data) as { checkpointId: string }).checkpointId).toBe(auth0Of(emu())!.tenant(c)!.allIds().at(-1));
      }
      const audit = await callOk<{ entries: Array<{ action: string }> }>(h.host, 'audit.list', {});
      expect(audit.entries.filter((e) => e.action === 'exports.replayRemote').length).toBeGreaterThanOrEqual(20);
    } finally {
      await haltBulks(h.host.deps);
      await h.close();
    }
  }, 180_000);

  it('a host process SIGKILLed 5 times during a bulk replay: each restart resumes the journal, 0 lost', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const names = Array.from({ length: 12 }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
    const PER = 600;
    const failed = await outage(emu(), h.host, names, PER);
    await h.close();
    const dataDir = tempDir();
    // Slow Logstash: a tenant's replay spans a few seconds, so every kill lands mid-run.
    const slow = emu().faults.add({ path: '/dest/logstash', latencyMs: 300 });
    const children: ChildProcess[] = [];
    const launch = (args: string[]) => launchHost(emu(), dataDir, args, children);
    try {
      // The console runs that failed were recorded in the setup host's data dir: each checkpoint is given.
      const tenants = names.map((container) => ({ container, name: JOB, from: failed.get(container)! }));
      const input = { tenants, concurrency: 4, notify: false, confirm: { tenants: 12, destinations: 12 } };
      let p = launch(['start', JSON.stringify(input)]);
      const snapshots: BulkView[] = [];
      for (let kill = 0; kill < 5; kill++) {
        // Killed mid-run once this process has delivered something. Its first view starts from the journal,
        // which lags the killed process's last view (progress is written once a second), so the baseline
        // is this process's own first view, not what the previous one showed.
        await p.until(
          (l) => {
            const v = viewsOf(l);
            return v.length > 1 && v.at(-1)!.state === 'running' && v.at(-1)!.delivered > v[0]!.delivered;
          },
          `made progress before kill ${kill + 1}`,
        );
        const v = p.views();
        snapshots.push(...v);
        expect(v.at(-1)!.state).toBe('running');
        p.child.kill('SIGKILL');
        await p.exited;
        p = launch([]);
      }
      await p.until((l) => l.includes('BULK-END') || l.some((x) => x.startsWith('READY') && x.includes('"state":"done"')), 'finished');
      snapshots.push(...p.views());
      emu().faults.remove(slow.id);
      // Never more than 4 tenants at once in any process, and every snapshot's rows are distinct jobs.
      for (const s of snapshots) expect(s.counts.running).toBeLessThanOrEqual(4);
      const final = snapshots.at(-1)!;
      expect(final.counts).toMatchObject({ ok: 12, failed: 0, running: 0 });
      // Interrupted tenants ran again from their own checkpoints (more than one attempt somewhere).
      expect(final.tenants.some((t) => t.attempts > 1)).toBe(true);
      expectDelivered(emu(), final, failed, PER);
    } finally {
      emu().faults.clear();
      await stopAll(children);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
  it('a host process SIGKILLed while the cluster runs remote replays: the next host puts START_FROM back and finishes, 0 lost', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const names = Array.from({ length: 4 }, (_, i) => `rcrash-${i}`);
    const PER = 600;
    const failed = await outage(emu(), h.host, names, PER);
    await h.close();
    const dataDir = tempDir();
    // Slow Logstash: each cluster run lasts seconds, so the kill lands while they are in flight.
    const slow = emu().faults.add({ path: '/dest/logstash', latencyMs: 300 });
    const children: ChildProcess[] = [];
    const startFrom = async (c: string) =>
      (await api<{ secrets: Record<string, string> }>(emu(), `/api/webtask/${c}/${JOB}?decrypt=true`)).body.secrets.START_FROM;
    try {
      const tenants = names.map((container) => ({ container, name: JOB, from: failed.get(container)! }));
      const input = { tenants, mode: 'remote', concurrency: 2, notify: false, confirm: { tenants: 4, destinations: 4 } };
      const first = launchHost(emu(), dataDir, ['start', JSON.stringify(input)], children);
      await first.until((l) => l.some((x) => x.startsWith('READY')), 'started');
      // Killed once a run on the cluster has the replay's START_FROM in place.
      let mid: string | undefined;
      for (let i = 0; i < 200 && !mid; i++) {
        for (const c of names) if ((await startFrom(c)) === failed.get(c)) mid = c;
        if (!mid) await new Promise((r) => setTimeout(r, 50));
      }
      expect(mid).toBeDefined();
      first.child.kill('SIGKILL');
      await first.exited;
      // Left behind by the dead host: the next scheduled run would replay again.
      expect(await startFrom(mid!)).toBe(failed.get(mid!));
      const second = launchHost(emu(), dataDir, [], children);
      await second.until((l) => l.includes('BULK-END'), 'finished');
      const final = second.views().at(-1)!;
      emu().faults.remove(slow.id);
      expect(final.tenants.filter((t) => t.error).map((t) => `${t.container}: ${t.error}`)).toEqual([]);
      expect(final.counts).toMatchObject({ ok: 4, failed: 0 });
      expect(final.tenants.find((t) => t.container === mid)!.attempts).toBe(2);
      for (const c of names) expect(await startFrom(c)).toBe('');
      expectDelivered(emu(), final, failed, PER);
    } finally {
      emu().faults.clear();
      await stopAll(children);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('remote bulk replay while the cluster runs', () => {
  const emu = useEmulator({ seed: 'empty' });
  const PER = 1500;
  const startFromOf = async (c: string) =>
    (await api<{ secrets: Record<string, string> }>(emu(), `/api/webtask/${c}/${JOB}?decrypt=true`)).body.secrets.START_FROM;

  /** Starts a remote bulk of one tenant on a slow Logstash; resolves at its first progress event while it runs. */
  async function startWatched(host: Host, c: string, from: string) {
    const events: BulkView[] = [];
    let seen: (v: BulkView) => void = () => undefined;
    const firstProgress = new Promise<BulkView>((r) => (seen = r));
    const { createSession } = await import('../../core/host');
    const session = createSession(host.deps, 'bulk', (topic, p) => {
      if (topic !== 'bulk.progress') return;
      const v = p as BulkView;
      events.push(v);
      const t = v.tenants[0]!;
      // The first row with logs delivered while it runs, or the first that ended (then the checks below fail).
      if ((t.state === 'running' && (t.progress?.delivered ?? 0) > 0) || ['ok', 'failed', 'paused', 'cancelled'].includes(t.state)) seen(v);
    });
    const started = await host.call(
      'bulk.start',
      { tenants: [{ container: c, name: JOB, from }], mode: 'remote', notify: false, confirm: { tenants: 1, destinations: 1 } },
      session,
    );
    if (!started.ok) throw new Error(started.error.message);
    return { bulkId: (started.data as BulkView).bulkId, events, firstProgress, session };
  }

  /** One remote tenant on a slow Logstash from its outage's checkpoint; `body` runs at its first progress while it runs. */
  async function watchedRun(
    c: string,
    body: (x: {
      host: Host;
      w: Awaited<ReturnType<typeof startWatched>>;
      v: BulkView;
      failed: Map<string, string>;
      slowId: string;
    }) => Promise<void>,
  ) {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const failed = await outage(emu(), h.host, [c], PER);
    // 15 batches of 100 at 400 ms each: the run lasts seconds, several polls of its stored checkpoint.
    const slow = emu().faults.add({ path: '/dest/logstash', latencyMs: 400 });
    try {
      const w = await startWatched(h.host, c, failed.get(c)!);
      await body({ host: h.host, w, v: await w.firstProgress, failed, slowId: slow.id });
    } finally {
      emu().faults.clear();
      await haltBulks(h.host.deps);
      await h.close();
    }
  }

  /** Asks a pause or cancel while the run goes, then the run fails on the destination (unfinished); the bulk once idle. */
  async function stopDuringRun(host: Host, bulkId: string, c: string, slowId: string, what: 'pause' | 'cancel') {
    const asked = await callOk<BulkView>(host, `bulk.${what}`, { bulkId, container: c, name: JOB });
    emu().faults.remove(slowId);
    const down = emu().faults.add({ path: '/dest/logstash', status: 503 });
    const after = await bulkIdle(host.deps, bulkId);
    emu().faults.remove(down.id);
    return { asked, after };
  }

  it('a remote tenant shows progress while its run goes; a pause waits for the run, takes no new attempt, and resumes to 0 lost', async () => {
    const c = 'rwatch-0';
    await watchedRun(c, async ({ host, w, v, failed, slowId }) => {
      // Before the run ends: the row and the aggregate show logs delivered so far and a rate.
      const row = v.tenants[0]!;
      expect(row.state).toBe('running');
      expect(row.report).toBeNull();
      expect(row.progress!.checkpoint! > failed.get(c)!).toBe(true);
      expect(row.progress!.delivered).toBeLessThan(PER);
      expect(v.delivered).toBe(row.progress!.delivered);
      expect(v.logsPerSecond).toBeGreaterThan(0);
      expect(row.progress!.message).toContain('estimated from the job');

      const { asked, after } = await stopDuringRun(host, w.bulkId, c, slowId, 'pause');
      expect(asked.tenants[0]).toMatchObject({
        state: 'running',
        stopping: { to: 'paused', note: expect.stringContaining('cannot be stopped') },
      });
      // The run failed unfinished: the tenant is left paused, not failed.
      expect(after.tenants[0]).toMatchObject({ state: 'paused', attempts: 1, stopping: null });
      expect(after.state).toBe('paused');
      expect(await startFromOf(c)).toBe('');
      // Nothing starts another attempt on its own.
      const later = await callOk<BulkView>(host, 'bulk.get', { bulkId: w.bulkId });
      expect(later.tenants[0]).toMatchObject({ state: 'paused', attempts: 1 });

      await callOk<BulkView>(host, 'bulk.resume', { bulkId: w.bulkId, container: c, name: JOB });
      const final = await bulkIdle(host.deps, w.bulkId);
      expect(final.tenants[0]).toMatchObject({ state: 'ok', attempts: 2, error: null });
      expectDelivered(emu(), final, failed, PER);
      expect(await startFromOf(c)).toBe('');
    });
  }, 180_000);

  it('a cancel during a remote run ends the tenant cancelled after the run, START_FROM put back', async () => {
    const c = 'rcancel-0';
    await watchedRun(c, async ({ host, w, failed, slowId }) => {
      expect(await startFromOf(c)).toBe(failed.get(c));
      const { asked, after } = await stopDuringRun(host, w.bulkId, c, slowId, 'cancel');
      expect(asked.tenants[0]).toMatchObject({ state: 'running', stopping: { to: 'cancelled' } });
      expect(after.tenants[0]).toMatchObject({ state: 'cancelled', attempts: 1, stopping: null });
      expect(after.state).toBe('cancelled');
      expect(await startFromOf(c)).toBe('');
    });
  }, 180_000);

  it("an extension that is not the console's, with no stored checkpoint, replays through START_FROM alone: 0 lost", async () => {
    // An original-style extension: it starts at its stored checkpoint, and reads START_FROM only when there is none.
    emu().registerHostModule('original-log-export', async (call) => {
      const store = storageCheckpointStore(call.storage);
      const stored = await store.load();
      const startFrom = call.secrets.START_FROM?.trim() || undefined;
      const report = await runExport({
        config: call.secrets,
        checkpointStore: store,
        ...(stored ? {} : { from: startFrom }),
        jobName: call.name,
      });
      if (report.status !== 'ok') throw Object.assign(new Error(report.error ?? 'failed'), { report });
      return report;
    });
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const c = 'rstart-0';
    const failed = await outage(emu(), h.host, [c], 300);
    try {
      const cfg = await api<{ secrets: Record<string, string>; meta: Record<string, string> }>(
        emu(),
        `/api/webtask/${c}/${JOB}?decrypt=true`,
      );
      await api(emu(), `/api/webtask/${c}/${JOB}`, {
        method: 'PUT',
        body: {
          code: `module.exports = function (ctx, cb) { require('original-log-export')(ctx).then(function (r) { cb(null, r); }, cb); };\n`,
          meta: cfg.body.meta,
          secrets: cfg.body.secrets,
        },
      });
      await api(emu(), `/api/webtask/${c}/${JOB}/data`, { method: 'PUT', body: { data: JSON.stringify({}) } });
      const targets = [{ container: c, name: JOB }];
      const plan = await callOk<BulkPlan>(h.host, 'bulk.preview', { tenants: targets, mode: 'remote' });
      expect(plan.items[0]).toMatchObject({ from: failed.get(c), remote: { method: 'start-from' } });
      expect(plan.items[0]!.problem).toBeUndefined();
      const b = await callOk<BulkView>(h.host, 'bulk.start', {
        tenants: targets,
        mode: 'remote',
        notify: false,
        confirm: { tenants: 1, destinations: 1 },
      });
      const final = await bulkIdle(h.host.deps, b.bulkId);
      expect(final.tenants[0]).toMatchObject({ state: 'ok', error: null, attempts: 1 });
      expect(final.delivered).toBe(300);
      expect(expectDelivered(emu(), final, failed, 300)).toBe(0);
      expect(await startFromOf(c)).toBe('');
      const d = await api<{ data: string }>(emu(), `/api/webtask/${c}/${JOB}/data`);
      expect((JSON.parse(d.body.data) as { checkpointId: string }).checkpointId).toBe(auth0Of(emu())!.tenant(c)!.allIds().at(-1));
    } finally {
      await haltBulks(h.host.deps);
      await h.close();
    }
  }, 180_000);

  it('bulk.select by destination host with a tenant token: its own container only, the answer says what could not be read', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const names = ['rsel-0', 'rsel-1'];
    await outage(emu(), h.host, names, 100);
    try {
      const save = (container: string, ten: string) =>
        callOk<{ id: string }>(h.host, 'profiles.save', {
          name: `${ten} token on ${container}`,
          url: emu().url,
          container,
          token: emu().issueToken({ ten }, 'v2'),
          tokenStorage: 'session',
        });
      const own = await save('rsel-0', 'rsel-0');
      const sel = await callOk<{ tenants: Array<{ container: string }>; note: string; partial?: string }>(h.host, 'bulk.select', {
        profileId: own.id,
        select: { destinationHost: emu().url },
      });
      // The master token finds both; this one only its own, and says why.
      expect(sel.tenants.map((t) => t.container)).toEqual(['rsel-0']);
      expect(sel.partial).toContain("cannot list other tenants' containers");
      expect(sel.partial).toContain('only its own container rsel-0 was searched');
      expect(sel.note).toContain(sel.partial);
      const master = await callOk<{ tenants: Array<{ container: string }>; partial?: string }>(h.host, 'bulk.select', {
        select: { destinationHost: emu().url },
      });
      expect(master.tenants.map((t) => t.container).filter((c) => names.includes(c))).toEqual(names);
      expect(master.partial).toBeUndefined();

      // A token that cannot list even the profile's container: a clear error naming both refusals.
      const foreign = await save('rsel-1', 'rsel-0');
      const r = await h.host.call(
        'bulk.select',
        { profileId: foreign.id, select: { destinationHost: emu().url } },
        createSession(h.host.deps, 't', () => {}),
      );
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('forbidden');
        expect(r.error.message).toContain('cannot list across containers');
        expect(r.error.message).toContain('nor its own container rsel-1');
        expect(r.error.message).toContain('Pick the tenants by hand or from the fleet view');
      }
    } finally {
      await h.close();
    }
  }, 120_000);
});

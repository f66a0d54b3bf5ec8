// Bulk replay (issue 17) through the handler table against the emulator: five tenants whose Logstash
// was down are replayed locally with concurrency, the host is replaced mid-way (as after a crash) and
// the journal continues; every missing log is delivered, duplicates stay within one batch per tenant.
// A local replay refuses while the cluster's cron is running the same job, also after the job was
// turned off while that run was delivering.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auth0Of, demoExportSecrets } from '../../emulator/auth0/index';
import { destinationsOf } from '../../emulator/destinations/index';
import { createHost, createSession, type Host } from '../../core/host';
import { bulkIdle, haltBulks } from '../../core/host/bulk-replay/runner';
import { createNodeDeps, registerEmbeddedCluster } from '../../core/host/node-deps';
import type { BulkPlan, BulkView, ExportJob, RemoteRun } from '../../common/contract';
import { api, cronIdle, useEmulator } from '../helpers/emulator';
import { cronRunInFlight } from '../../core/host/bulk-replay/guard';
import type { WireCronJob } from '../../core/webtask/cron';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { callOk, hostOnEmulator } from '../helpers/host';

const TENANTS = ['acme-prod', 'acme-staging', 'globex', 'initech', 'umbrella-corp'];
const JOB = 'logs-to-logstash';
const BATCH = 200;

describe('bulk replay', () => {
  const emu = useEmulator({ seed: 'demo', scheduledRuns: false });
  const logstashIds = (tenant: string) => idsOf(destinationsOf(emu())!.logstash.pipelines.get(tenant)?.events ?? []);

  it('replays five failed tenants locally with concurrency 2, resumes from the journal after a host restart, 0 lost', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    let host2: Host | undefined;
    try {
      // Every demo cron off (no scheduled run races the replay); a Logstash job on every tenant, small batches.
      const code = (await api<{ code: string }>(emu(), `/api/webtask/globex/${JOB}?decrypt=true&fetch_code=true`)).body.code;
      for (const t of TENANTS) {
        const jobs = await api<Array<{ name: string }>>(emu(), `/api/cron/${t}`);
        for (const j of jobs.body)
          await callOk(h.host, 'exports.setState', { container: t, name: j.name, state: 'inactive' }).catch(() => undefined);
        const put = await api(emu(), `/api/webtask/${t}/${JOB}`, {
          method: 'PUT',
          body: {
            code,
            meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': JOB },
            secrets: { ...demoExportSecrets(emu().url, t, JOB), START_FROM: '', MAX_BATCH_EVENTS: String(BATCH) },
          },
        });
        expect(put.status).toBeLessThan(300);
      }
      // A good run each, then the outage: new logs, Logstash answers 503, every run fails with its checkpoint.
      for (const t of TENANTS) expect((await callOk<RemoteRun>(h.host, 'exports.runNow', { container: t, name: JOB })).ok).toBe(true);
      for (const t of TENANTS) for (let i = 0; i < 700; i++) auth0Of(emu())!.tenant(t)!.append();
      const outage = emu().faults.add({ path: '/dest/logstash', status: 503 });
      const failed = new Map<string, string>();
      for (const t of TENANTS) {
        const r = await callOk<RemoteRun>(h.host, 'exports.runNow', { container: t, name: JOB });
        expect(r.ok).toBe(false);
        expect(r.item.failedCheckpoint).toMatch(/^\d{56}$/);
        failed.set(t, r.item.failedCheckpoint!);
      }
      emu().faults.remove(outage.id);

      const tenants = TENANTS.map((container) => ({ container, name: JOB }));
      const plan = await callOk<BulkPlan>(h.host, 'bulk.preview', { tenants: [...tenants, { container: 'acme-prod', name: 'counter' }] });
      expect(plan.tenants).toBe(5);
      expect(plan.destinations).toHaveLength(5);
      for (const t of TENANTS)
        expect(plan.items.find((i) => i.container === t)).toMatchObject({
          from: failed.get(t),
          fromSource: expect.stringContaining('failed console run'),
        });
      expect(plan.items.find((i) => i.name === 'counter')?.problem).toContain('not a log-export extension');
      // Bad input and a wrong confirmation are refused in words.
      const dupe = await h.host.call(
        'bulk.preview',
        { tenants: [tenants[0], tenants[0]] },
        createSession(h.host.deps, 's', () => {}),
      );
      expect(dupe.ok).toBe(false);
      if (!dupe.ok) expect(dupe.error.message).toContain('listed twice');
      const wrong = await h.host.call(
        'bulk.start',
        { tenants, concurrency: 2, confirm: { tenants: 4, destinations: 5 } },
        createSession(h.host.deps, 's', () => {}),
      );
      expect(wrong.ok).toBe(false);
      if (!wrong.ok) expect(wrong.error.code).toBe('needs_confirmation');

      // Slow Logstash so the restart lands mid-run; initech's much slower, so it is surely mid-run when checked.
      const slow = emu().faults.add({ path: '/dest/logstash', latencyMs: 100 });
      const slower = emu().faults.add({ path: '/dest/logstash/initech', latencyMs: 1500 });
      const events: BulkView[] = [];
      const session = createSession(h.host.deps, 'bulk', (topic, p) => topic === 'bulk.progress' && events.push(p as BulkView));
      const started = await h.host.call('bulk.start', { tenants, concurrency: 2, confirm: { tenants: 5, destinations: 5 } }, session);
      expect(started.ok).toBe(true);
      const bulkId = (started as { data: BulkView }).data.bulkId;
      // Two at a time, never more.
      for (let i = 0; i < 400; i++) {
        const last = events.at(-1);
        expect(last?.counts.running ?? 0).toBeLessThanOrEqual(2);
        if (
          last &&
          last.counts.ok >= 1 &&
          last.tenants.some((t) => t.container === 'initech' && t.state === 'running' && (t.progress?.delivered ?? 0) > 0)
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // A single local replay of a job the bulk is running is refused: one writer per job.
      const running = events.at(-1)!.tenants.find((t) => t.container === 'initech')!;
      expect(running.state).toBe('running');
      const view = await callOk<ExportJob>(h.host, 'exports.job', { container: running.container, name: JOB });
      const single = await h.host.call(
        'exports.replayLocal',
        {
          container: running.container,
          name: JOB,
          from: failed.get(running.container)!,
          confirm: { tenant: running.container, destination: view.destination.label },
        },
        session,
      );
      expect(single.ok).toBe(false);
      if (!single.ok) expect(single.error.code).toBe('conflict');

      // The host goes away mid-run (nothing more is written), a new one starts on the same data dir.
      await haltBulks(h.host.deps);
      const journal = JSON.parse(readFileSync(join(h.dataDir, 'bulk', `${bulkId}.json`), 'utf8')) as BulkView;
      expect(journal.state).toBe('running');
      const doneBefore = journal.tenants.filter((t) => t.state === 'ok');
      expect(doneBefore.length).toBeGreaterThanOrEqual(1);
      expect(doneBefore.length).toBeLessThan(5);
      const deps2 = createNodeDeps({ dataDir: h.dataDir, host: 'test', requestTimeoutMs: 20_000 });
      await registerEmbeddedCluster(deps2, { url: emu().url, masterToken: emu().masterToken, container: 'acme-prod' });
      host2 = createHost(deps2);
      const listed = await callOk<{ bulks: BulkView[] }>(host2, 'bulk.list', {});
      expect(listed.bulks.map((b) => b.bulkId)).toEqual([bulkId]);
      const final = await bulkIdle(deps2, bulkId);
      emu().faults.remove(slow.id);
      emu().faults.remove(slower.id);
      expect(final.state).toBe('done');
      expect(final.tenants.filter((t) => t.error).map((t) => `${t.container}: ${t.error}`)).toEqual([]);
      expect(final.counts).toMatchObject({ ok: 5, failed: 0, running: 0, waiting: 0 });
      // A tenant done before the restart was not run again.
      for (const t of doneBefore)
        expect(final.tenants.find((x) => x.container === t.container)).toMatchObject({ attempts: t.attempts, endedAt: t.endedAt });

      let duplicatesTotal = 0;
      for (const t of final.tenants) {
        const from = failed.get(t.container)!;
        const end = t.report!.nextCheckpoint!;
        const want = auth0Of(emu())!
          .tenant(t.container)!
          .allIds()
          .filter((id) => id > from && id <= end);
        expect(want.length).toBeGreaterThanOrEqual(700);
        const check = checkDelivery(
          want,
          logstashIds(t.container).filter((id) => id > from && id <= end),
        );
        expect(check.missing).toEqual([]);
        // At most one batch sent twice per interrupted tenant, and reported where it may have happened.
        expect(check.duplicates).toBeLessThanOrEqual(BATCH * (t.attempts - 1));
        if (check.duplicates > 0) expect(t.duplicatesPossible).toBe(true);
        duplicatesTotal += check.duplicates;
      }
      expect(duplicatesTotal).toBeLessThanOrEqual(BATCH * 5);

      const csv = await callOk<{ filename: string; text: string }>(host2, 'bulk.report', { bulkId, format: 'csv' });
      expect(csv.filename).toBe(`${bulkId}.csv`);
      expect(csv.text.trim().split('\n')).toHaveLength(6);
      expect(csv.text).toContain('globex,logs-to-logstash,Logstash');
      const json = JSON.parse((await callOk<{ text: string }>(host2, 'bulk.report', { bulkId, format: 'json' })).text) as BulkView;
      expect(json.counts.ok).toBe(5);
      for (const secret of Object.values(demoExportSecrets(emu().url, 'globex', JOB)).filter((v) => /secret|password/i.test(v)))
        expect(csv.text + JSON.stringify(json)).not.toContain(secret);

      const audit = await callOk<{ entries: Array<{ action: string; tenant?: string }> }>(host2, 'audit.list', {});
      const actions = audit.entries.map((e) => e.action);
      expect(actions).toContain('bulk.plan');
      expect(actions.filter((a) => a === 'bulk.tenant.end').length).toBeGreaterThanOrEqual(5);
      expect(actions.filter((a) => a === 'bulk.tenant.start').length).toBeGreaterThanOrEqual(5);
    } finally {
      if (host2) await haltBulks(host2.deps);
      await h.close();
    }
  }, 120_000);

  it('pauses and resumes one tenant, cancels and retries another, and a lock pauses the whole bulk', async () => {
    // Runs after the test above on the same emulator: every tenant has a Logstash job, crons are off.
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const slow = emu().faults.add({ path: '/dest/logstash', latencyMs: 400 });
    try {
      const pick = ['globex', 'initech'];
      const tenants = pick.map((container) => ({ container, name: JOB, from: auth0Of(emu())!.tenant(container)!.allIds()[0]! }));
      const b = await callOk<BulkView>(h.host, 'bulk.start', { tenants, concurrency: 2, confirm: { tenants: 2, destinations: 2 } });
      const get = () => callOk<BulkView>(h.host, 'bulk.get', { bulkId: b.bulkId });
      const row = (v: BulkView, c: string) => v.tenants.find((t) => t.container === c)!;
      const until = async (ok: (v: BulkView) => boolean) => {
        for (let i = 0; i < 300; i++) {
          const v = await get();
          if (ok(v)) return v;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`bulk ${b.bulkId} never reached the awaited state: ${JSON.stringify((await get()).counts)}`);
      };
      await until((v) => (row(v, 'initech').progress?.delivered ?? 0) > 0 && (row(v, 'globex').progress?.delivered ?? 0) > 0);
      await callOk(h.host, 'bulk.pause', { bulkId: b.bulkId, container: 'initech', name: JOB });
      await callOk(h.host, 'bulk.cancel', { bulkId: b.bulkId, container: 'globex', name: JOB });
      const stopped = await until((v) => v.counts.running === 0);
      expect(row(stopped, 'initech').state).toBe('paused');
      expect(row(stopped, 'globex').state).toBe('cancelled');
      expect(stopped.state).toBe('paused');
      const badRetry = await h.host.call(
        'bulk.retry',
        { bulkId: b.bulkId, container: 'initech', name: JOB },
        createSession(h.host.deps, 's', () => {}),
      );
      expect(badRetry.ok).toBe(false);
      if (!badRetry.ok) expect(badRetry.error.message).toContain('only a failed or cancelled tenant can be retried');
      // The paused tenant kept where it stopped: its resume starts there, not from the beginning.
      expect(row(stopped, 'initech').checkpoint).toBe(row(stopped, 'initech').report!.nextCheckpoint);
      expect(row(stopped, 'initech').checkpoint! > tenants[1]!.from).toBe(true);

      // Resume initech and retry globex: each goes on from its own checkpoint.
      await callOk(h.host, 'bulk.resume', { bulkId: b.bulkId, container: 'initech', name: JOB });
      await callOk(h.host, 'bulk.retry', { bulkId: b.bulkId, container: 'globex', name: JOB });
      const again = await until((v) => v.counts.running === 2 && (row(v, 'globex').progress?.delivered ?? 0) > 0);
      expect(row(again, 'globex').attempts).toBe(2);
      // A lock stops every flow: the bulk is paused, with the reason.
      expect(h.host.deps.flows.labels()).toContain(`bulk replay ${b.bulkId}`);
      await h.host.deps.flows.closeAll('The console was locked.');
      const locked = await until((v) => v.counts.running === 0);
      expect(locked.state).toBe('paused');
      expect(locked.note).toBe('The console was locked.');
      emu().faults.remove(slow.id);
      await callOk(h.host, 'bulk.resume', { bulkId: b.bulkId });
      const done = await bulkIdle(h.host.deps, b.bulkId);
      expect(done.counts.ok).toBe(2);
      for (const c of pick) {
        const t = row(done, c);
        const want = auth0Of(emu())!
          .tenant(c)!
          .allIds()
          .filter((id) => id > t.from! && id <= t.report!.nextCheckpoint!);
        expect(checkDelivery(want, logstashIds(c)).missing).toEqual([]);
        // Started, stopped (pause or cancel), resumed or retried, stopped by the lock, resumed.
        expect(t.attempts).toBe(3);
      }
    } finally {
      emu().faults.remove(slow.id);
      await haltBulks(h.host.deps);
      await h.close();
    }
  }, 90_000);
});

describe('a local replay and the cluster cron', () => {
  // A fast clock: a job every minute fires every real second.
  const emu = useEmulator({ seed: 'demo', clockSpeed: 60 });

  it('refuses while the cluster is running the same job, saying so', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    try {
      for (const t of TENANTS) {
        const jobs = await api<Array<{ name: string }>>(emu(), `/api/cron/${t}`);
        for (const j of jobs.body)
          if (!(t === 'globex' && j.name === JOB))
            await callOk(h.host, 'exports.setState', { container: t, name: j.name, state: 'inactive' }).catch(() => undefined);
      }
      // The cluster's run of globex's job takes seconds (slow Logstash) and starts again as soon as it ends.
      const slow = emu().faults.add({ path: '/dest/logstash/globex', latencyMs: 2000 });
      await callOk(h.host, 'exports.reschedule', { container: 'globex', name: JOB, schedule: '* * * * *', tz: 'UTC' });
      const view = await callOk<ExportJob>(h.host, 'exports.job', { container: 'globex', name: JOB });
      const from = auth0Of(emu())!.tenant('globex')!.allIds()[0]!;
      let refused: { code: string; message: string } | undefined;
      for (let i = 0; i < 100 && !refused; i++) {
        const r = await h.host.call(
          'exports.replayLocal',
          { container: 'globex', name: JOB, from, confirm: { tenant: 'globex', destination: view.destination.label } },
          createSession(h.host.deps, 's', () => {}),
        );
        if (!r.ok) refused = r.error;
        else await callOk(h.host, 'exports.cancel', { runId: r.data.runId });
        if (!refused) await new Promise((res) => setTimeout(res, 100));
      }
      expect(refused?.code).toBe('conflict');
      expect(refused?.message).toContain("The cluster's cron is running logs-to-logstash on globex now");

      // Turned off while a run is in flight: that run goes on, so a local replay is still refused. Once the
      // backlog is delivered a run is quick, so each run is held 10 s at the cluster's front door, and the
      // switch waits for a run that fired after the hold was set (not one about to end).
      const hold = emu().faults.add({ path: `/api/run/globex/${JOB}`, latencyMs: 10_000 });
      const heldFrom = emu().now();
      let inFlight: string | null = null;
      for (let i = 0; i < 400 && !(inFlight && Date.parse(inFlight) >= heldFrom); i++) {
        await new Promise((res) => setTimeout(res, 50));
        inFlight = cronRunInFlight((await api<WireCronJob>(emu(), `/api/cron/globex/${JOB}`)).body);
      }
      expect(inFlight && Date.parse(inFlight) >= heldFrom, 'a held run is in flight').toBe(true);
      await callOk(h.host, 'exports.setState', { container: 'globex', name: JOB, state: 'inactive' });
      const afterOff = await h.host.call(
        'exports.replayLocal',
        { container: 'globex', name: JOB, from, confirm: { tenant: 'globex', destination: view.destination.label } },
        createSession(h.host.deps, 's', () => {}),
      );
      expect(afterOff.ok).toBe(false);
      if (!afterOff.ok) expect(afterOff.error.message).toContain("The cluster's cron is running logs-to-logstash on globex now");
      // Once that run has ended, a local replay starts.
      emu().faults.remove(slow.id);
      emu().faults.remove(hold.id);
      await cronIdle(emu(), 'globex', JOB);
      const run = await callOk<{ runId: string }>(h.host, 'exports.replayLocal', {
        container: 'globex',
        name: JOB,
        from,
        notify: false,
        confirm: { tenant: 'globex', destination: view.destination.label },
      });
      await callOk(h.host, 'exports.cancel', { runId: run.runId });
    } finally {
      await h.close();
    }
  }, 60_000);
});

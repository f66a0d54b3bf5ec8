// The exports feature through the handler table, against the emulator's demo tenants: jobs,
// schedule preview, state, reschedule, run now, remote replay, local replay with cancel and resume.
import { describe, expect, it } from 'vitest';
import { auth0Of } from '../../emulator/auth0/index';
import { DEMO_DESTINATIONS, destinationsOf } from '../../emulator/destinations/index';
import { createSession } from '../../core/host';
import { localRunDone } from '../../core/host/exports/local';
import { api, useEmulator } from '../helpers/emulator';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { callOk, hostOnEmulator } from '../helpers/host';
import type { ExportJob, LocalRun, RemoteRun, RunItem, ScheduleView } from '../../common/contract';

// No scheduled runs: the demo's cron jobs would deliver alongside the replays these tests count.
const emu = useEmulator({ seed: 'demo', scheduledRuns: false });

async function setup() {
  const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
  const events: Array<{ topic: string; payload: unknown }> = [];
  const session = createSession(h.host.deps, 'exports-test', (topic, payload) => events.push({ topic, payload }));
  const call = async (channel: string, input: unknown) => h.host.call(channel, input, session);
  return { ...h, events, session, call };
}

function logstashIds(pipeline: string): string[] {
  const p = destinationsOf(emu())!.logstash.pipelines.get(pipeline);
  return p ? idsOf(p.events) : [];
}

describe('exports core', () => {
  it("lists a tenant's export jobs with destinations in words and no credential", async () => {
    const h = await setup();
    try {
      const r = await callOk<{ jobs: ExportJob[]; names: string[] }>(h.host, 'exports.jobs', { container: 'acme-prod' });
      expect(r.jobs.map((j) => j.name)).toEqual(['logs-to-cloudwatch', 'logs-to-loganalytics', 'logs-to-logstash']);
      const ls = r.jobs.find((j) => j.name === 'logs-to-logstash')!;
      expect(ls.destination.kind).toBe('logstash');
      expect(ls.destination.label).toBe(`Logstash ${emu().url}/dest/logstash/acme-prod (index auth0-acme-prod)`);
      expect(ls.cron?.schedule.description).toBe('Every 10 minutes (UTC)');
      expect(ls.cron?.schedule.next).toHaveLength(3);
      expect(ls.cron?.state).toBe('active');
      const text = JSON.stringify(r);
      for (const secret of [
        DEMO_DESTINATIONS.aws.secretAccessKey,
        DEMO_DESTINATIONS.logstash.password,
        DEMO_DESTINATIONS.azureLegacy.workspaceKey,
        'demo-secret-acme-prod-0f3c9a',
      ]) {
        expect(text).not.toContain(secret);
      }
      // A tenant with no export extension has no job; an unknown tenant is a clear error.
      expect((await callOk<{ jobs: ExportJob[] }>(h.host, 'exports.jobs', { container: 'acme-staging' })).jobs).toEqual([]);
      const bad = await h.call('exports.jobs', { container: 'no such/tenant' });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.code).toBe('invalid_input');
      // A configured name counts as a log export too (here the demo's hooks, so with no destination).
      await callOk(h.host, 'exports.saveSettings', { extraNames: ['hooks'] });
      const withHooks = await callOk<{ jobs: ExportJob[]; names: string[] }>(h.host, 'exports.jobs', { container: 'acme-prod' });
      expect(withHooks.names).toContain('hooks');
      const hook = withHooks.jobs.find((j) => j.name === 'post-user-registration');
      expect(hook).toMatchObject({ extension: 'hooks', cron: null, destination: { kind: 'unknown', label: 'no destination configured' } });
      await callOk(h.host, 'exports.saveSettings', { extraNames: [] });
      const badName = await h.call('exports.saveSettings', { extraNames: ['no spaces allowed'] });
      expect(badName.ok).toBe(false);
      // Not an export extension: refused with the reason.
      const notExport = await h.call('exports.runNow', { container: 'acme-prod', name: 'counter' });
      expect(notExport.ok).toBe(false);
      if (!notExport.ok) expect(notExport.error.message).toContain('is not a log-export extension');
    } finally {
      await h.close();
    }
  });

  it('validates schedules and previews the next five runs in the time zone', async () => {
    const h = await setup();
    try {
      const v = await callOk<ScheduleView>(h.host, 'exports.previewSchedule', { schedule: '30 9 * * 1-5', tz: 'Europe/Paris' });
      expect(v.next).toHaveLength(5);
      for (const iso of v.next) {
        const local = new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Europe/Paris',
          hour: '2-digit',
          minute: '2-digit',
          weekday: 'short',
        }).format(new Date(iso));
        expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
      }
      expect(v.description).toContain('09:30');
      const cases: Array<[unknown, RegExp]> = [
        [{ schedule: '* * * *', tz: 'UTC' }, /5 fields/],
        [{ schedule: '61 * * * *', tz: 'UTC' }, /not a valid cron expression/],
        [{ schedule: '*/5 * * * *', tz: 'Mars/Olympus' }, /not a known time zone/],
        [{ schedule: '', tz: 'UTC' }, /cron expression is required/],
        [{ schedule: '*/5 * * * *', tz: '' }, /time zone is required/],
      ];
      for (const [input, msg] of cases) {
        const r = await h.call('exports.previewSchedule', input);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe('invalid_input');
          expect(r.error.message).toMatch(msg);
        }
      }
    } finally {
      await h.close();
    }
  });

  it('toggles state and reschedules, keeping the token, state and meta, each audited', async () => {
    const h = await setup();
    try {
      const job = { container: 'initech', name: 'logs-to-cloudwatch' };
      const off = await callOk<ExportJob>(h.host, 'exports.setState', { ...job, state: 'inactive' });
      expect(off.cron?.state).toBe('inactive');
      expect(off.cron?.nextRunAt).toBeNull();
      const on = await callOk<ExportJob>(h.host, 'exports.setState', { ...job, state: 'active' });
      expect(on.cron?.state).toBe('active');

      const preview = await callOk<ScheduleView>(h.host, 'exports.previewSchedule', { schedule: '15 3 * * *', tz: 'America/New_York' });
      const moved = await callOk<ExportJob>(h.host, 'exports.reschedule', { ...job, schedule: '15 3 * * *', tz: 'America/New_York' });
      expect(moved.cron?.schedule.schedule).toBe('15 3 * * *');
      expect(moved.cron?.schedule.tz).toBe('America/New_York');
      expect(moved.cron?.nextRunAt).toBe(preview.next[0]);
      const raw = await api<{ meta?: Record<string, string>; state: string }>(emu(), '/api/cron/initech/logs-to-cloudwatch');
      expect(raw.body.meta).toEqual({ 'auth0-extension-name': 'logs-to-cloudwatch' });
      expect(raw.body.state).toBe('active');

      const bad = await h.call('exports.reschedule', { ...job, schedule: '99 * * * *', tz: 'UTC' });
      expect(bad.ok).toBe(false);

      const audit = await callOk<{ entries: Array<{ action: string; tenant?: string; detail?: Record<string, unknown> }> }>(
        h.host,
        'audit.list',
        { tenant: 'initech' },
      );
      const actions = audit.entries.map((e) => e.action);
      expect(actions.filter((a) => a === 'exports.setState')).toHaveLength(2);
      expect(actions).toContain('exports.reschedule');
      expect(audit.entries.find((e) => e.action === 'exports.reschedule')?.detail).toMatchObject({
        schedule: '15 3 * * *',
        tz: 'America/New_York',
        before: { schedule: '*/30 * * * *' },
      });
    } finally {
      await h.close();
    }
  });

  it('runs a job now, records a failed run with its checkpoint, and replays it remotely keeping everything else', async () => {
    const h = await setup();
    const tenant = auth0Of(emu())!.tenant('umbrella-corp')!;
    const job = { container: 'umbrella-corp', name: 'logs-to-loganalytics' };
    try {
      await callOk(h.host, 'exports.setState', { ...job, state: 'inactive' });
      const first = await callOk<RemoteRun>(h.host, 'exports.runNow', job);
      expect(first.ok).toBe(true);
      expect(first.item.report?.status).toBe('ok');
      expect(first.item.processed).toBeGreaterThan(0);

      for (let i = 0; i < 250; i++) tenant.append();
      const rule = emu().faults.add({ path: '/dest/azure-legacy', status: 503 });
      const failed = await callOk<RemoteRun>(h.host, 'exports.runNow', job);
      emu().faults.remove(rule.id);
      expect(failed.ok).toBe(false);
      expect(failed.item.error).toContain('503');
      expect(failed.item.failedCheckpoint).toMatch(/^\d{56}$/);
      // The checkpoint named by the failure is where the job stopped: what it stored.
      const stored = await api<{ data?: string }>(emu(), '/api/webtask/umbrella-corp/logs-to-loganalytics/data');
      expect(JSON.parse(stored.body.data ?? '{}').checkpointId).toBe(failed.item.failedCheckpoint);

      const hist = await callOk<{ runs: RunItem[] }>(h.host, 'exports.history', { ...job, failuresOnly: true });
      expect(hist.runs).toHaveLength(1);
      expect(hist.runs[0]!.source).toBe('console');
      expect(hist.runs[0]!.failedCheckpoint).toBe(failed.item.failedCheckpoint);
      const all = await callOk<{ runs: RunItem[] }>(h.host, 'exports.history', job);
      expect(all.runs.length).toBe(2);

      const before = await api<{ code: string; meta: Record<string, string>; secrets: Record<string, string> }>(
        emu(),
        '/api/webtask/umbrella-corp/logs-to-loganalytics?decrypt=true&fetch_code=true',
      );
      const checkpoint = failed.item.failedCheckpoint!;
      const wrong = await h.call('exports.replayRemote', { ...job, checkpoint, confirm: { tenant: 'acme-prod', destination: 'x' } });
      expect(wrong.ok).toBe(false);
      if (!wrong.ok) {
        expect(wrong.error.code).toBe('needs_confirmation');
        expect(wrong.error.message).toContain('umbrella-corp');
      }
      const jobView = await callOk<ExportJob>(h.host, 'exports.job', job);
      const replay = await callOk<RemoteRun & { startFrom: string }>(h.host, 'exports.replayRemote', {
        ...job,
        checkpoint,
        confirm: { tenant: 'umbrella-corp', destination: jobView.destination.label },
      });
      expect(replay.ok).toBe(true);
      expect(replay.item.report?.startCheckpoint).toBe(checkpoint);
      const after = await api<{ code: string; meta: Record<string, string>; secrets: Record<string, string> }>(
        emu(),
        '/api/webtask/umbrella-corp/logs-to-loganalytics?decrypt=true&fetch_code=true',
      );
      expect(after.body.code).toBe(before.body.code);
      expect(after.body.meta).toEqual(before.body.meta);
      // START_FROM was set for the replay only, then put back: the next scheduled run must not replay again.
      expect(after.body.secrets).toEqual(before.body.secrets);
      expect(after.body.secrets.START_FROM).not.toBe(checkpoint);

      // Every source log up to the replay's end is at the destination.
      const got = JSON.stringify(destinationsOf(emu())!.azureLegacy.records(DEMO_DESTINATIONS.azureLegacy.workspaceId, 'Auth0'));
      const end = replay.item.report!.nextCheckpoint!;
      const want = tenant.allIds().filter((id) => id <= end);
      const missing = want.filter((id) => !got.includes(id));
      expect(missing).toEqual([]);

      const audit = await callOk<{ entries: Array<{ action: string; outcome: string; detail?: Record<string, unknown> }> }>(
        h.host,
        'audit.list',
        { tenant: 'umbrella-corp' },
      );
      expect(
        audit.entries
          .filter((e) => e.action === 'exports.runNow')
          .map((e) => e.outcome)
          .sort(),
      ).toEqual(['error', 'ok']);
      expect(audit.entries.find((e) => e.action === 'exports.replayRemote')?.detail).toMatchObject({
        checkpoint,
        startFromAfter: before.body.secrets.START_FROM?.trim() || null,
      });
      expect(JSON.stringify(audit)).not.toContain(DEMO_DESTINATIONS.azureLegacy.workspaceKey);
    } finally {
      await h.close();
    }
  }, 60_000);

  it('cancels a local replay mid-way and resumes it: nothing lost, duplicates counted', async () => {
    const h = await setup();
    const job = { container: 'globex', name: 'logs-to-logstash' };
    const tenant = auth0Of(emu())!.tenant('globex')!;
    try {
      await callOk(h.host, 'exports.setState', { ...job, state: 'inactive' });
      // Destination batches of at most 200 logs: many requests, so the cancel always lands mid-run.
      const wt = await api<{ code: string; meta: Record<string, string>; secrets: Record<string, string> }>(
        emu(),
        '/api/webtask/globex/logs-to-logstash?decrypt=true&fetch_code=true',
      );
      const put = await api(emu(), '/api/webtask/globex/logs-to-logstash', {
        method: 'PUT',
        body: { code: wt.body.code, meta: wt.body.meta, secrets: { ...wt.body.secrets, MAX_BATCH_EVENTS: '200' } },
      });
      expect(put.status).toBeLessThan(300);
      const view = await callOk<ExportJob>(h.host, 'exports.job', job);
      const from = tenant.allIds()[0]!;
      // Slow the destination so the cancel lands mid-run.
      const slow = emu().faults.add({ path: '/dest/logstash/globex', latencyMs: 150 });
      const confirm = { tenant: 'globex', destination: view.destination.label };
      const startedR = await h.call('exports.replayLocal', { ...job, from, notify: false, confirm });
      expect(startedR.ok).toBe(true);
      const started = (startedR as { data: LocalRun }).data;
      const dup = await h.call('exports.replayLocal', { ...job, from, notify: false, confirm });
      expect(dup.ok).toBe(false);
      if (!dup.ok) expect(dup.error.code).toBe('conflict');
      for (let i = 0; i < 200; i++) {
        const p = h.events.filter((e) => e.topic === 'exports.progress').at(-1)?.payload as { progress: { delivered: number } } | undefined;
        if (p && p.progress.delivered > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await callOk(h.host, 'exports.cancel', { runId: started.runId });
      const cancelled = await localRunDone(h.host.deps, started.runId);
      emu().faults.remove(slow.id);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.report?.delivered).toBeGreaterThan(0);
      expect(cancelled.report?.delivered).toBeLessThan(tenant.allIds().length - 1);
      const progressEvents = h.events.filter((e) => e.topic === 'exports.progress');
      expect(progressEvents.length).toBeGreaterThan(2);
      // The head was known: the progress carries a share done and an ETA although MAX_LOGS is not set.
      const withEta = progressEvents
        .map((e) => (e.payload as { progress: { fraction?: number | null; etaSeconds: number | null; head?: string | null } }).progress)
        .filter((p) => typeof p.fraction === 'number' && p.etaSeconds !== null);
      expect(withEta.length).toBeGreaterThan(0);
      expect(withEta.at(-1)!.head).toMatch(/^\d{56}$/);
      const afterCancel = await callOk<ExportJob>(h.host, 'exports.job', job);
      expect(afterCancel.localCheckpoint).toBe(cancelled.report?.nextCheckpoint);

      const resumedR = await h.call('exports.replayLocal', { ...job, from: 'local', notify: false, confirm });
      expect(resumedR.ok).toBe(true);
      const resumed = (resumedR as { data: LocalRun }).data;
      expect(resumed.from).toBe(cancelled.report?.nextCheckpoint);
      const done = await localRunDone(h.host.deps, resumed.runId);
      expect(done.state).toBe('ok');
      expect(h.events.some((e) => e.topic === 'exports.done' && (e.payload as LocalRun).runId === resumed.runId)).toBe(true);

      const end = done.report!.nextCheckpoint!;
      const want = tenant.allIds().filter((id) => id > from && id <= end);
      const check = checkDelivery(
        want,
        logstashIds('globex').filter((id) => id > from && id <= end),
      );
      console.log(
        `local replay cancel+resume: ${want.length} source logs, ${check.receivedCount} received, ${check.missing.length} missing, ${check.duplicates} duplicates`,
      );
      expect(check.missing).toEqual([]);
      // At most the batch in flight at the cancel (read, not acknowledged) comes twice, and the report said so.
      const inFlight = cancelled.report!.processed - cancelled.report!.delivered - cancelled.report!.filtered;
      expect(check.duplicates).toBeLessThanOrEqual(inFlight);
      expect(check.duplicates).toBeLessThanOrEqual(200);
      if (check.duplicates > 0) expect(cancelled.report!.duplicatesPossible).toBe(true);
      expect(cancelled.report!.delivered + done.report!.delivered).toBe(want.length);

      const runs = await callOk<{ runs: RunItem[] }>(h.host, 'exports.history', job);
      expect(runs.runs.filter((r) => r.source === 'local').map((r) => r.report?.status)).toEqual(['ok', 'cancelled']);
      const audit = await callOk<{ entries: Array<{ action: string; outcome: string }> }>(h.host, 'audit.list', { tenant: 'globex' });
      const actions = audit.entries.map((e) => e.action);
      // Two replays started, and the refused second one while the first ran.
      expect(
        audit.entries
          .filter((e) => e.action === 'exports.replayLocal')
          .map((e) => e.outcome)
          .sort(),
      ).toEqual(['error', 'ok', 'ok']);
      expect(actions).toContain('exports.cancel');
      expect(actions.filter((a) => a === 'exports.replayLocal.end')).toHaveLength(2);
    } finally {
      await h.close();
    }
  }, 60_000);

  it('sends a Slack notice for a failed local replay only when asked', async () => {
    const h = await setup();
    const job = { container: 'acme-prod', name: 'logs-to-logstash' };
    const slack = destinationsOf(emu())!.slack;
    try {
      const view = await callOk<ExportJob>(h.host, 'exports.job', job);
      const confirm = { tenant: 'acme-prod', destination: view.destination.label };
      const from = auth0Of(emu())!.tenant('acme-prod')!.allIds()[0]!;
      const rule = emu().faults.add({ path: '/dest/logstash/acme-prod', status: 500 });
      try {
        for (const notify of [false, true]) {
          const before = slack.messages.length;
          const run = await callOk<LocalRun>(h.host, 'exports.replayLocal', { ...job, from, notify, confirm });
          const done = await localRunDone(h.host.deps, run.runId);
          expect(done.state).toBe('failed');
          expect(done.report?.failedCheckpoint).toBe(from);
          expect(slack.messages.length - before).toBe(notify ? 1 : 0);
        }
        expect(JSON.stringify(slack.messages.at(-1))).toContain(from);
      } finally {
        emu().faults.remove(rule.id);
      }
      const bad = await h.call('exports.replayLocal', { ...job, from: '123', notify: false, confirm });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.message).toContain('56 digits');
    } finally {
      await h.close();
    }
  }, 60_000);

  it('gives clear errors for a foreign tenant, an unknown job, and stops a replay whose renderer went away', async () => {
    const h = await setup();
    try {
      // A container token of globex used on acme-prod: the server's own 403 message.
      const token = emu().issueToken({ ten: 'globex' }, 'v2');
      const p = await callOk<{ id: string }>(h.host, 'profiles.save', {
        name: 'globex only',
        url: emu().url,
        container: 'globex',
        token,
        tokenStorage: 'session',
      });
      const foreign = await h.call('exports.jobs', { profileId: p.id, container: 'acme-prod' });
      expect(foreign.ok).toBe(false);
      if (!foreign.ok) {
        expect(foreign.error.code).toBe('forbidden');
        expect(foreign.error.message).toContain('not authorized');
        expect(JSON.stringify(foreign.error)).not.toContain(token);
      }
      const own = await callOk<{ jobs: ExportJob[] }>(h.host, 'exports.jobs', { profileId: p.id, container: 'globex' });
      expect(own.jobs.map((j) => j.name)).toEqual(['logs-to-logstash']);
      const missing = await h.call('exports.job', { container: 'acme-prod', name: 'logs-to-nowhere' });
      expect(missing.ok).toBe(false);
      if (!missing.ok) expect(missing.error.code).toBe('not_found');
      const noCancel = await h.call('exports.cancel', { runId: 'lr-000000' });
      expect(noCancel.ok).toBe(false);
      if (!noCancel.ok) expect(noCancel.error.code).toBe('not_found');
      const badId = await h.call('exports.cancel', { runId: '../etc' });
      expect(badId.ok).toBe(false);
      if (!badId.ok) expect(badId.error.code).toBe('invalid_input');

      // The session that started a local replay closes: the replay is cancelled, its checkpoint consistent.
      const job = { container: 'initech', name: 'logs-to-cloudwatch' };
      const view = await callOk<ExportJob>(h.host, 'exports.job', job);
      const slow = emu().faults.add({ path: '/dest/cloudwatch', latencyMs: 300 });
      try {
        const from = auth0Of(emu())!.tenant('initech')!.allIds()[0]!;
        const r = await h.call('exports.replayLocal', {
          ...job,
          from,
          notify: false,
          confirm: { tenant: 'initech', destination: view.destination.label },
        });
        expect(r.ok).toBe(true);
        const run = (r as { data: LocalRun }).data;
        await new Promise((res) => setTimeout(res, 400));
        h.session.close();
        const done = await localRunDone(h.host.deps, run.runId);
        expect(done.state).toBe('cancelled');
        const after = await callOk<ExportJob>(h.host, 'exports.job', job);
        expect(after.localCheckpoint ?? from).toBe(done.report!.nextCheckpoint ?? from);
      } finally {
        emu().faults.remove(slow.id);
      }
    } finally {
      await h.close();
    }
  }, 60_000);
});

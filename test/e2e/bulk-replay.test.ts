// Bulk replay (issue 17) in Chromium against the browser host and the emulator: three tenants' Logstash
// goes down (destination fault injection) and their scheduled runs fail; the fleet view's "Replay
// selected" opens the bulk tab with them; preview, confirm the counts, watch, pause and resume the
// whole; one tenant keeps failing until its fault is lifted, then Retry; save the report as JSON and
// CSV; every missing log is at the destination; then one tenant remotely: its progress marked estimated,
// a pause pending on the cluster run taken back by resume. Screenshots in test-artifacts/bulk-*.png.
import { readFileSync } from 'node:fs';
import type { Browser, Download, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkView } from '../../common/contract';
import { auth0Of, demoExportSecrets } from '../../emulator/auth0/index';
import { destinationsOf } from '../../emulator/destinations/index';
import { launchBrowser, recordFrames, recordProblems, screenshot } from '../helpers/browser';
import { api, useEmulator } from '../helpers/emulator';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { callOk, hostOnEmulator } from '../helpers/host';

// 60x: a */5 job fires every 5 s of real time, so the outage shows as failed scheduled runs.
const emu = useEmulator({ seed: 'demo', clockSpeed: 60 });
const JOB = 'logs-to-logstash';
const TENANTS = ['acme-prod', 'globex', 'initech'];
const NEW_LOGS = 1500;

interface CronView {
  state: string;
  results: Array<{ type: string }>;
}

describe('bulk replay in the browser', () => {
  let web: Awaited<ReturnType<typeof hostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let frames: string[];

  beforeAll(async () => {
    web = await hostOnEmulator(emu(), { web: true, container: 'acme-prod' });
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
    page = await ctx.newPage();
    problems = recordProblems(page);
    frames = recordFrames(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  const setCron = (t: string, state: 'active' | 'inactive') => callOk(web.host, 'exports.setState', { container: t, name: JOB, state });
  const lastResult = async (t: string) => (await api<CronView>(emu(), `/api/cron/${t}/${JOB}`)).body.results[0]?.type;
  const received = (t: string) => idsOf(destinationsOf(emu())!.logstash.pipelines.get(t)?.events ?? []);
  const download = async (click: () => Promise<void>): Promise<{ name: string; text: string }> => {
    const [d]: [Download, void] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: d.suggestedFilename(), text: readFileSync((await d.path())!, 'utf8') };
  };

  it('replays the failing tenants from the fleet view, pauses and resumes, retries the one that kept failing', async () => {
    // A Logstash job on each tenant (initech gets one), small batches and few quick retries; schedules off while we set up.
    const code = (await api<{ code: string }>(emu(), `/api/webtask/globex/${JOB}?decrypt=true&fetch_code=true`)).body.code;
    for (const t of TENANTS) {
      const put = await api(emu(), `/api/webtask/${t}/${JOB}`, {
        method: 'PUT',
        body: {
          code,
          meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': JOB, 'auth0-extension-version': '2.0.0' },
          secrets: {
            ...demoExportSecrets(emu().url, t, JOB),
            START_FROM: '',
            MAX_BATCH_EVENTS: '200',
            MAX_RETRIES: '1',
            RETRY_BASE_MS: '50',
          },
        },
      });
      expect(put.status).toBeLessThan(300);
      const cron = await api(emu(), `/api/cron/${t}/${JOB}`, {
        method: 'PUT',
        body: { schedule: '*/5 * * * *', state: 'inactive', meta: { 'auth0-extension-name': JOB } },
      });
      expect(cron.status).toBeLessThan(300);
    }
    // A healthy run each (a checkpoint to fail after), then the outage: new logs, Logstash answers 503.
    for (const t of TENANTS) expect((await callOk<{ ok: boolean }>(web.host, 'exports.runNow', { container: t, name: JOB })).ok).toBe(true);
    const outage = new Map(TENANTS.map((t) => [t, emu().faults.add({ path: `/dest/logstash/${t}`, status: 503 }).id]));
    for (const t of TENANTS) for (let i = 0; i < NEW_LOGS; i++) auth0Of(emu())!.tenant(t)!.append();
    // The schedules fire on the accelerated clock and fail; then they are stopped again so no scheduled run races the replay.
    for (const t of TENANTS) await setCron(t, 'active');
    for (const t of TENANTS) await expect.poll(() => lastResult(t), { timeout: 60_000, interval: 500 }).toBe('error');
    for (const t of TENANTS) await setCron(t, 'inactive');
    const failedAt = new Map<string, string>();
    for (const t of TENANTS) {
      const data = await api<{ data?: string }>(emu(), `/api/webtask/${t}/${JOB}/data`);
      failedAt.set(t, (JSON.parse(data.body.data ?? '{}') as { checkpointId: string }).checkpointId);
      expect(failedAt.get(t)).toMatch(/^\d{56}$/);
    }

    // The bulk tab is in the palette (Ctrl+K) like the other views.
    await page.goto(web.web!.launchUrl);
    await page.getByTestId('open-fleet').waitFor();
    await page.keyboard.press('Control+k');
    // "bulk" alone also finds the demo's bulk-10k tenant once the tenant list is in.
    await page.getByTestId('palette-input').fill('bulk replay');
    await expect.poll(() => page.getByTestId('palette-item').first().getAttribute('data-key')).toMatch(/^bulk:/);
    await page.keyboard.press('Enter');
    await page.getByTestId('bulk-view').waitFor();

    // Fleet: scan, the failing ones, "Replay selected".
    await page.getByTestId('open-fleet').click();
    const fleet = page.getByTestId('fleet-view');
    await fleet.getByTestId('fleet-scan').click();
    await expect.poll(() => fleet.getByTestId('fleet-progress').getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await fleet.getByTestId('fleet-attention').check();
    await fleet.getByTestId('fleet-pick-failing').click();
    await expect.poll(() => fleet.getByTestId('fleet-replay-selected').textContent()).toBe(`Replay selected (${TENANTS.length})…`);
    await screenshot(page, 'bulk-fleet-replay-selected');
    await fleet.getByTestId('fleet-replay-selected').click();

    // The bulk tab, pre-filled with exactly the failing jobs.
    const view = page.getByTestId('bulk-view');
    await view.waitFor();
    const candidate = (t: string): Locator => view.locator(`[data-testid=bulk-candidate][data-tenant="${t}"][data-job="${JOB}"]`);
    expect(await view.getByTestId('bulk-selected-count').getAttribute('data-count')).toBe(String(TENANTS.length));
    for (const t of TENANTS) {
      expect(await candidate(t).getAttribute('data-failing')).toBe('true');
      expect(await candidate(t).getByTestId('bulk-candidate-check').isChecked()).toBe(true);
    }
    // A from-checkpoint typed by hand is checked in words; back to the failed checkpoint.
    await candidate('globex').getByTestId('bulk-from-logid').check();
    await candidate('globex').getByTestId('bulk-from-input').fill('12345');
    expect(await candidate('globex').getByTestId('bulk-from-error').textContent()).toContain('56 digits');
    expect(await view.getByTestId('bulk-preview').isDisabled()).toBe(true);
    await screenshot(page, 'bulk-select');
    await candidate('globex').getByTestId('bulk-from-failed').check();
    // A job added by hand that is no export: previewed with the reason, and left out of the counts.
    await view.getByTestId('bulk-add-input').fill('globex/echo');
    await view.getByTestId('bulk-add').click();
    expect(await candidate('globex').count()).toBe(1);
    expect(
      await view.locator('[data-testid=bulk-candidate][data-tenant=globex][data-job=echo]').getByTestId('bulk-candidate-check').isChecked(),
    ).toBe(true);

    // Preview: each tenant's destination in words and its failed checkpoint.
    await view.getByTestId('bulk-preview').click();
    const summary = view.getByTestId('bulk-preview-summary');
    await expect.poll(() => summary.getAttribute('data-tenants')).toBe('3');
    expect(await summary.getAttribute('data-destinations')).toBe('3');
    const echo = view.locator('[data-testid=bulk-preview-row][data-tenant=globex][data-job=echo]');
    expect(await echo.getAttribute('data-ok')).toBe('false');
    expect(await echo.getByTestId('bulk-preview-problem').textContent()).toContain('not a log-export extension');
    for (const t of TENANTS) {
      const row = view.locator(`[data-testid=bulk-preview-row][data-tenant="${t}"][data-job="${JOB}"]`);
      expect(await row.getAttribute('data-ok')).toBe('true');
      expect(await row.getByTestId('bulk-preview-destination').textContent()).toBe(
        `Logstash ${emu().url}/dest/logstash/${t} (index auth0-${t})`,
      );
      expect(await row.getByTestId('bulk-preview-from').getAttribute('data-from')).toBe(failedAt.get(t));
    }
    // The core's log estimate is shown with how it was made.
    expect(await view.getByTestId('bulk-preview-estimate').textContent()).toMatch(/About [\d,]+ logs to replay/);
    await screenshot(page, 'bulk-preview');
    // Another mode is another plan: the preview is marked stale until it is made again.
    await view.getByTestId('bulk-mode-remote').check();
    expect(await view.getByTestId('bulk-preview-box').getAttribute('data-stale')).toBe('true');
    expect(await view.getByTestId('bulk-start-box').count()).toBe(0);
    // Previewed remotely: each row says how its run on the cluster starts at the checkpoint (the emulator's jobs run the console's engine).
    await view.getByTestId('bulk-preview').click();
    await expect.poll(() => view.getByTestId('bulk-preview-box').getAttribute('data-stale')).toBe('false');
    const remoteRow = view.locator(`[data-testid=bulk-preview-row][data-tenant=initech][data-job="${JOB}"]`);
    expect(await remoteRow.getByTestId('bulk-preview-remote').getAttribute('data-method')).toBe('reset-storage');
    await screenshot(page, 'bulk-preview-remote');
    await view.getByTestId('bulk-mode-local').check();
    expect(await view.getByTestId('bulk-preview-box').getAttribute('data-stale')).toBe('true');
    await view.getByTestId('bulk-preview').click();
    await expect.poll(() => view.getByTestId('bulk-preview-box').getAttribute('data-stale')).toBe('false');
    expect(await view.getByTestId('bulk-preview-remote').count()).toBe(0);

    // The outage ends for two; initech's Logstash stays down. globex's is slow, so the bulk is surely running when paused.
    emu().faults.remove(outage.get('acme-prod')!);
    emu().faults.remove(outage.get('globex')!);
    const slow = emu().faults.add({ path: '/dest/logstash/globex', latencyMs: 1500 });

    await view.getByTestId('bulk-concurrency').fill('2');
    await view.getByTestId('bulk-start').click();
    const confirm = page.getByTestId('bulk-confirm');
    expect(await confirm.getByTestId('bulk-confirm-tenants').textContent()).toBe('3 tenant jobs');
    expect(await confirm.getByTestId('bulk-confirm-destinations').textContent()).toBe('3 destinations');
    expect(await confirm.textContent()).toContain(`${emu().url}/dest/logstash/initech`);
    expect(await confirm.textContent()).toContain('1 selected job cannot run and is left out');
    await screenshot(page, 'bulk-confirm');
    await confirm.getByTestId('bulk-confirm-yes').click();

    // Watch: the aggregate and a row per tenant.
    const watch = view.getByTestId('bulk-watch');
    await watch.waitFor();
    const agg = watch.getByTestId('bulk-aggregate');
    const row = (t: string): Locator => watch.locator(`[data-testid=bulk-tenant][data-tenant="${t}"]`);
    await expect
      .poll(
        async () =>
          (await row('globex').getAttribute('data-state')) === 'running' &&
          Number(await row('globex').getByTestId('bulk-tenant-delivered').getAttribute('data-delivered')) > 0,
        {
          timeout: 60_000,
        },
      )
      .toBe(true);
    expect(Number(await agg.getAttribute('data-running'))).toBeLessThanOrEqual(2);
    await screenshot(page, 'bulk-progress');

    // Pause the whole: nothing runs; resume: it goes on from each tenant's checkpoint.
    await watch.getByTestId('bulk-pause').click();
    await expect.poll(() => watch.getByTestId('bulk-state').textContent(), { timeout: 30_000 }).toBe('paused');
    await expect.poll(() => agg.getAttribute('data-running'), { timeout: 30_000 }).toBe('0');
    expect(await row('globex').getAttribute('data-state')).toBe('paused');
    await screenshot(page, 'bulk-paused');
    await watch.getByTestId('bulk-resume').click();
    await expect.poll(() => watch.getByTestId('bulk-state').textContent(), { timeout: 30_000 }).toBe('running');
    // One tenant alone: paused (still slow, so not finished yet), then resumed.
    await row('globex').getByTestId('bulk-tenant-pause').click();
    await expect.poll(() => row('globex').getAttribute('data-state'), { timeout: 30_000 }).toBe('paused');
    emu().faults.remove(slow.id);
    await row('globex').getByTestId('bulk-tenant-resume').click();

    // Two finish; initech fails with its error in words and a Retry.
    await expect.poll(() => watch.getByTestId('bulk-state').textContent(), { timeout: 90_000 }).toBe('done');
    expect(await agg.getAttribute('data-ok')).toBe('2');
    expect(await agg.getAttribute('data-failed')).toBe('1');
    expect(await row('initech').getAttribute('data-state')).toBe('failed');
    expect(await row('initech').getByTestId('bulk-tenant-error').textContent()).toMatch(/503/);
    await screenshot(page, 'bulk-failed-tenant');

    // Retried while its Logstash is still down: it fails again, one attempt more. (Attempts count starts:
    // initech may have been running when the whole was paused, and its resume was an attempt too.)
    const attempts = Number(await row('initech').getAttribute('data-attempts'));
    expect(attempts).toBeGreaterThanOrEqual(1);
    await row('initech').getByTestId('bulk-tenant-retry').click();
    await expect
      .poll(async () => `${await row('initech').getAttribute('data-attempts')} ${await row('initech').getAttribute('data-state')}`, {
        timeout: 60_000,
      })
      .toBe(`${attempts + 1} failed`);
    // The fault lifted, Retry again: done.
    emu().faults.remove(outage.get('initech')!);
    await row('initech').getByTestId('bulk-tenant-retry').click();
    await expect.poll(() => row('initech').getAttribute('data-state'), { timeout: 60_000 }).toBe('ok');
    await expect.poll(() => watch.getByTestId('bulk-state').textContent(), { timeout: 30_000 }).toBe('done');
    expect(await agg.getAttribute('data-ok')).toBe('3');
    // The Slack summary went to the jobs' webhooks.
    await expect.poll(() => watch.getByTestId('bulk-slack').textContent(), { timeout: 30_000 }).toMatch(/sent/);
    await screenshot(page, 'bulk-done');

    // The report, through the save path (a download in the browser host).
    const json = await download(() => watch.getByTestId('bulk-report-json').click());
    expect(json.name).toMatch(/^br-[a-z0-9]+\.json$/);
    const report = JSON.parse(json.text) as BulkView;
    expect(report.counts).toMatchObject({ ok: 3, failed: 0 });
    const csv = await download(() => watch.getByTestId('bulk-report-csv').click());
    expect(csv.name).toMatch(/^br-[a-z0-9]+\.csv$/);
    expect(csv.text.trim().split(/\r?\n/)).toHaveLength(1 + TENANTS.length);

    // The destination holds every log from each failed checkpoint to the end of its replay.
    for (const t of report.tenants) {
      const from = failedAt.get(t.container)!;
      const end = t.report!.nextCheckpoint!;
      const want = auth0Of(emu())!
        .tenant(t.container)!
        .allIds()
        .filter((id) => id > from && id <= end);
      expect(want.length).toBeGreaterThanOrEqual(NEW_LOGS);
      const check = checkDelivery(
        want,
        received(t.container).filter((id) => id > from && id <= end),
      );
      expect(check.missing).toEqual([]);
    }

    // A new selection by destination host: every export job sending to the emulator's host, ours among them.
    await view.getByTestId('bulk-section-plan').click();
    await view.getByTestId('bulk-host-input').fill(new URL(emu().url).host);
    await view.getByTestId('bulk-host-select').click();
    await expect.poll(() => view.getByTestId('bulk-host-note').textContent(), { timeout: 30_000 }).toMatch(/send to/);
    // The master token lists every container: the answer is whole, so nothing is marked partial.
    expect(await view.getByTestId('bulk-host-partial').count()).toBe(0);
    for (const t of TENANTS) expect(await candidate(t).getByTestId('bulk-candidate-check').isChecked()).toBe(true);
    expect(Number(await view.getByTestId('bulk-selected-count').getAttribute('data-count'))).toBeGreaterThan(TENANTS.length);

    // Remotely, one tenant on a slow Logstash (8 batches of 200 at 1.5 s): its row's progress is marked estimated while the
    // cluster runs it; a pause then waits for the run (the row says so, pause is not offered again) and a resume takes it back.
    await view.getByTestId('bulk-select-none').click();
    await candidate('acme-prod').getByTestId('bulk-candidate-check').check();
    await view.getByTestId('bulk-mode-remote').check();
    await view.getByTestId('bulk-preview').click();
    await expect.poll(() => view.getByTestId('bulk-preview-box').getAttribute('data-stale')).toBe('false');
    const slowRemote = emu().faults.add({ path: '/dest/logstash/acme-prod', latencyMs: 1500 });
    await view.getByTestId('bulk-start').click();
    await page.getByTestId('bulk-confirm').getByTestId('bulk-confirm-yes').click();
    const remote = view.getByTestId('bulk-watch');
    const acme = remote.locator(`[data-testid=bulk-tenant][data-tenant=acme-prod]`);
    await expect.poll(() => remote.getAttribute('data-bulk'), { timeout: 30_000 }).not.toBe(report.bulkId);
    await acme.getByTestId('bulk-tenant-estimated').waitFor({ timeout: 60_000 });
    expect(await acme.getByTestId('bulk-tenant-estimated').textContent()).toContain('estimated from the job');
    expect(await remote.getByTestId('bulk-aggregate').getAttribute('data-estimated')).toBe('true');
    await acme.getByTestId('bulk-tenant-pause').click();
    await expect.poll(() => acme.getAttribute('data-stopping'), { timeout: 30_000 }).toBe('paused');
    expect(await acme.getAttribute('data-state')).toBe('running');
    expect(await acme.getByTestId('bulk-tenant-stopping').textContent()).toBe('pausing');
    expect(await acme.getByTestId('bulk-tenant-stopping-note').textContent()).toContain('cannot be stopped from the console');
    expect(await acme.getByTestId('bulk-tenant-pause').count()).toBe(0);
    await screenshot(page, 'bulk-remote-stopping');
    await acme.getByTestId('bulk-tenant-resume').click();
    await expect.poll(() => acme.getAttribute('data-stopping'), { timeout: 30_000 }).toBeNull();
    expect(await acme.getByTestId('bulk-tenant-stopping').count()).toBe(0);
    emu().faults.remove(slowRemote.id);
    await expect.poll(() => acme.getAttribute('data-state'), { timeout: 90_000 }).toBe('ok');
    expect(await acme.getByTestId('bulk-tenant-estimated').count()).toBe(0);

    // No credential and no token reached the page.
    expect(problems).toEqual([]);
    const all = frames.join('\n') + (await page.content());
    for (const t of TENANTS)
      for (const secret of Object.values(demoExportSecrets(emu().url, t, JOB)).filter((v) => /secret|password/i.test(v)))
        expect(all).not.toContain(secret);
    expect(all).not.toContain(emu().masterToken);
  }, 300_000);
});

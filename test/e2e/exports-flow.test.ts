// The seeds' support workflow in Chromium against the browser host and the emulator: a demo tenant's
// destination fails (fault injection), the failed run shows in the history (its cron fires on an
// accelerated clock), replay from its checkpoint locally with the progress bar moving, then remotely;
// the destination holds every log; toggle a job's state; reschedule one. Screenshots in test-artifacts/.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0Of } from '../../emulator/auth0/index';
import { destinationsOf } from '../../emulator/destinations/index';
import { launchBrowser, recordFrames, recordProblems, screenshot } from '../helpers/browser';
import { api, cronIdle, useEmulator } from '../helpers/emulator';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { hostOnEmulator } from '../helpers/host';

// 60x: acme-prod's logs-to-logstash (*/10) fires every 10 s of real time.
const emu = useEmulator({ seed: 'demo', clockSpeed: 60 });
const TENANT = 'acme-prod';
const JOB = 'logs-to-logstash';

function received(): string[] {
  const p = destinationsOf(emu())!.logstash.pipelines.get(TENANT);
  return p ? idsOf(p.events) : [];
}

/** Every source log after `from` up to `to` is at the destination; duplicates counted. */
function checkRange(from: string, to: string) {
  const want = auth0Of(emu())!
    .tenant(TENANT)!
    .allIds()
    .filter((id) => id > from && id <= to);
  return checkDelivery(
    want,
    received().filter((id) => id > from && id <= to),
  );
}

describe('exports in the browser', () => {
  let web: Awaited<ReturnType<typeof hostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let frames: string[];

  beforeAll(async () => {
    web = await hostOnEmulator(emu(), { web: true, container: TENANT });
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    page = await ctx.newPage();
    // The tail's test-only hook exposes each pane's text (see the logs feature).
    await page.addInitScript(() => ((globalThis as unknown as { __escLogDebug: boolean }).__escLogDebug = true));
    problems = recordProblems(page);
    frames = recordFrames(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  const job = (): Locator => page.locator(`[data-testid="export-job"][data-job="${JOB}"]`);
  const detail = (): Locator => page.getByTestId('export-detail');
  const remoteStatus = async () => {
    const r = detail().getByTestId('remote-result').getByTestId('export-report');
    return (await r.count()) ? r.getAttribute('data-status') : null;
  };

  it('finds the failed run, replays it locally then remotely, toggles and reschedules', async () => {
    const tenant = auth0Of(emu())!.tenant(TENANT)!;
    // Destination batches of at most 200 logs, so a replay of thousands is many requests (a moving bar).
    const ext = await api<{ code: string; meta: Record<string, string>; secrets: Record<string, string> }>(
      emu(),
      `/api/webtask/${TENANT}/${JOB}?decrypt=true&fetch_code=true`,
    );
    const put = await api(emu(), `/api/webtask/${TENANT}/${JOB}`, {
      method: 'PUT',
      body: { code: ext.body.code, meta: ext.body.meta, secrets: { ...ext.body.secrets, MAX_BATCH_EVENTS: '200' } },
    });
    expect(put.status).toBeLessThan(300);
    await page.goto(web.web!.launchUrl);
    await page.getByTestId('exports-panel').waitFor();
    await page.getByTestId('exports-tenant-input').fill(TENANT);
    await page.getByTestId('exports-tenant-input').press('Enter');
    await expect.poll(() => page.getByTestId('export-job').count(), { timeout: 15_000 }).toBe(3);
    await job().getByTestId('export-job-open').click();
    await expect.poll(() => detail().getAttribute('data-job')).toBe(JOB);
    expect(await job().getByTestId('export-job-destination').textContent()).toContain(`/dest/logstash/${TENANT}`);
    expect(await job().getByTestId('export-job-schedule').textContent()).toBe('Every 10 minutes (UTC)');
    await screenshot(page, 'exports-jobs');

    // A healthy run first, so the job has a checkpoint to fail after.
    await detail().getByTestId('run-now').click();
    await expect.poll(() => remoteStatus(), { timeout: 30_000 }).toBe('ok');

    // The destination breaks; new logs come in; the cron fires on its schedule and fails.
    const fault = emu().faults.add({ path: `/dest/logstash/${TENANT}`, status: 503 });
    for (let i = 0; i < 3000; i++) tenant.append();
    const failedRow = detail().locator('[data-testid="history-run"][data-type="error"]').first();
    await expect
      .poll(
        async () => {
          await detail().getByTestId('history-refresh').click();
          await page.waitForTimeout(300);
          return failedRow.count();
        },
        { timeout: 40_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    // Stop the schedule while we work (state toggle), and see it change.
    await job().getByTestId('job-state-toggle').click();
    await job().getByTestId('job-stop-confirm-yes').click();
    await expect.poll(() => job().getByTestId('job-state-toggle').getAttribute('data-state')).toBe('inactive');
    await detail().getByTestId('history-failures').check();
    await detail().getByTestId('history-refresh').click();
    await expect.poll(() => detail().locator('[data-testid="history-run"][data-type="success"]').count()).toBe(0);
    expect(await failedRow.textContent()).toContain('503');
    await screenshot(page, 'exports-failed-run-in-history');

    // Checkpoint picker: a bad paste is refused with the reason; the failed run gives the real one.
    await detail().getByTestId('checkpoint-input').fill('12345');
    expect(await detail().getByTestId('checkpoint-error').textContent()).toContain('56 digits');
    await failedRow.getByTestId('use-checkpoint').click();
    const checkpoint = await detail().getByTestId('checkpoint-input').inputValue();
    expect(checkpoint).toMatch(/^\d{56}$/);
    const api1 = await api<{ data?: string }>(emu(), `/api/webtask/${TENANT}/${JOB}/data`);
    expect(JSON.parse(api1.body.data ?? '{}').checkpointId).toBe(checkpoint);

    // Local replay: the fault lifted, a slow destination so the bar is seen moving.
    emu().faults.remove(fault.id);
    const slow = emu().faults.add({ path: `/dest/logstash/${TENANT}`, latencyMs: 120 });
    // A scheduled run that fired before the switch may still be delivering: the console would refuse.
    await cronIdle(emu(), TENANT, JOB);
    await detail().getByTestId('mode-local').check();
    await detail().getByTestId('replay-start').click();
    const box = detail().getByTestId('replay-confirm-box');
    expect(await box.getByTestId('confirm-tenant').textContent()).toBe(TENANT);
    expect(await box.getByTestId('confirm-destination').textContent()).toContain(`Logstash ${emu().url}/dest/logstash/${TENANT}`);
    await screenshot(page, 'exports-replay-confirm');
    await box.getByTestId('replay-confirm').click();
    const local = detail().getByTestId('local-run');
    await expect.poll(() => local.getByTestId('progress-processed').textContent(), { timeout: 15_000 }).not.toBe('0');
    const first = Number((await local.getByTestId('progress-processed').textContent())!.replace(/\D/g, ''));
    await screenshot(page, 'exports-local-replay-progress-1');
    await expect
      .poll(async () => Number((await local.getByTestId('progress-processed').textContent())!.replace(/\D/g, '')), { timeout: 20_000 })
      .toBeGreaterThan(first);
    await screenshot(page, 'exports-local-replay-progress-2');
    await expect.poll(() => local.getAttribute('data-state'), { timeout: 60_000 }).toBe('ok');
    emu().faults.remove(slow.id);
    const end = (await local.getByTestId('report-next-checkpoint').textContent())!.trim();
    expect(end).toMatch(/^\d{56}$/);
    const localCheck = checkRange(checkpoint, end);
    console.log(
      `local replay: ${localCheck.sourceCount} logs after the checkpoint, ${localCheck.missing.length} missing, ${localCheck.duplicates} duplicates`,
    );
    expect(localCheck.sourceCount).toBeGreaterThanOrEqual(3000);
    expect(localCheck.missing).toEqual([]);
    await screenshot(page, 'exports-local-replay-done');

    // Remote: the destination fails again on a run now; replay from the failed checkpoint on the cluster.
    for (let i = 0; i < 500; i++) tenant.append();
    const fault2 = emu().faults.add({ path: `/dest/logstash/${TENANT}`, status: 500 });
    await detail().getByTestId('run-now').click();
    await expect.poll(() => remoteStatus(), { timeout: 30_000 }).toBe('failed');
    const remoteFrom = await detail().getByTestId('checkpoint-input').inputValue();
    expect(remoteFrom).toMatch(/^\d{56}$/);
    await screenshot(page, 'exports-run-now-failed');
    emu().faults.remove(fault2.id);
    await detail().getByTestId('mode-remote').check();
    await detail().getByTestId('replay-start').click();
    expect(await detail().getByTestId('replay-confirm-box').textContent()).toContain('START_FROM');
    const before = received().length;
    await detail().getByTestId('replay-confirm').click();
    await expect.poll(() => remoteStatus(), { timeout: 30_000 }).toBe('ok');
    const remoteEnd = (await detail().getByTestId('remote-result').getByTestId('report-next-checkpoint').textContent())!.trim();
    const remoteCheck = checkRange(remoteFrom, remoteEnd);
    console.log(
      `remote replay: ${remoteCheck.sourceCount} logs after the checkpoint, ${remoteCheck.missing.length} missing, ${remoteCheck.duplicates} duplicates`,
    );
    expect(remoteCheck.sourceCount).toBeGreaterThanOrEqual(500);
    // The remote run itself delivered that range again (the local replay had already sent it once).
    expect(received().length - before).toBeGreaterThanOrEqual(remoteCheck.sourceCount);
    expect(remoteCheck.missing).toEqual([]);
    const wt = await api<{ secrets: Record<string, string> }>(emu(), `/api/webtask/${TENANT}/${JOB}?decrypt=true&fetch_code=true`);
    // The replay's START_FROM did not outlive it: put back exactly to what it was (the demo job's empty
    // value), the other secrets kept.
    expect(wt.body.secrets.START_FROM).toBe('');
    expect(await detail().getByTestId('remote-result').textContent()).toContain('START_FROM put back to (empty)');
    expect(wt.body.secrets.LOGSTASH_PASSWORD).toBe('demo-logstash-password');
    await screenshot(page, 'exports-remote-replay-done');

    // Toggle back on.
    await job().getByTestId('job-state-toggle').click();
    await expect.poll(() => job().getByTestId('job-state-toggle').getAttribute('data-state')).toBe('active');

    // Reschedule with a preview of the next five runs; the new next run shows in the table.
    await detail().getByTestId('reschedule-cron').fill('61 * * * *');
    await expect.poll(() => detail().getByTestId('reschedule-error').textContent()).toContain('not a valid cron expression');
    await detail().getByTestId('reschedule-cron').fill('30 4 * * 1');
    await detail().getByTestId('reschedule-tz').fill('Asia/Tokyo');
    await expect.poll(() => detail().getByTestId('reschedule-preview').locator('li').count()).toBe(5);
    await screenshot(page, 'exports-reschedule-preview');
    await detail().getByTestId('reschedule-save').click();
    await expect.poll(() => job().getByTestId('export-job-schedule').textContent(), { timeout: 10_000 }).toContain('04:30');
    const cron = await api<{ next_available_at: string; schedule: string; tz: string }>(emu(), `/api/cron/${TENANT}/${JOB}`);
    expect(cron.body).toMatchObject({ schedule: '30 4 * * 1', tz: 'Asia/Tokyo' });
    const tokyo = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(
      new Date(cron.body.next_available_at),
    );
    expect(tokyo).toBe('Mon 04:30');
    // The table shows the cluster's new next run, formatted as the page formats times.
    const expected = await page.evaluate(
      (iso) =>
        new Date(iso).toLocaleString(undefined, {
          year: 'numeric',
          month: 'short',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        }),
      cron.body.next_available_at,
    );
    expect(await job().getByTestId('export-job-next').textContent()).toContain(expected);
    await screenshot(page, 'exports-rescheduled');

    // "Open live logs": a tail of the tenant filtered to this job's lines.
    await detail().getByTestId('open-job-logs').click();
    const tail = page.getByTestId(`logs-tab-${TENANT}`);
    await expect.poll(() => tail.getByTestId('logs-state').textContent(), { timeout: 10_000 }).toBe('connected');
    // Filtered on the extension that wrote the lines (the record's webtask field), not on message text.
    expect(await tail.getByTestId('logs-extension').inputValue()).toBe('logs-to-logstash');
    expect(await tail.getByTestId('logs-filter').inputValue()).toBe('');
    const run = await fetch(`${emu().url}/api/run/${TENANT}/${JOB}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });
    expect(run.status).toBe(200);
    const paneText = () =>
      page.evaluate(
        (c) => (globalThis as unknown as { __escLogTails?: Record<string, { text(): string }> }).__escLogTails?.[c]?.text() ?? '',
        TENANT,
      );
    await expect.poll(paneText, { timeout: 15_000 }).toContain('export to logstash ok');
    // Other jobs' lines reach the tail but are filtered out.
    const lines = async () => Number((await tail.getByTestId('logs-lines').textContent())!.replace(/\D/g, ''));
    const seen = await lines();
    emu().emitLog(TENANT, { msg: 'export to cloudwatch ok: 5 processed', level: 30, sandbox: true, webtask: 'logs-to-cloudwatch' });
    emu().emitLog(TENANT, { msg: 'audit: someone called', level: 30, sandbox: true, webtask: 'audit-logger' });
    await expect.poll(lines, { timeout: 10_000 }).toBeGreaterThanOrEqual(seen + 2);
    await page.waitForTimeout(300);
    expect(await paneText()).not.toContain('export to cloudwatch');
    expect(await paneText()).not.toContain('someone called');
    await screenshot(page, 'exports-job-live-logs');

    // Home lists this session's local replays.
    await page.locator('[data-testid="tab"][data-tab="home"] button.link').click();
    expect(await page.getByTestId('replays-widget').textContent()).toMatch(new RegExp(`${TENANT} / ${JOB}\\s*ok\\s*[\\d,]+ logs`));

    // Every step left an audit entry.
    const entries = (await web.host.call('audit.list', { tenant: TENANT }, { id: 't', emit() {}, onClose() {} })) as {
      ok: true;
      data: { entries: Array<{ action: string }> };
    };
    const actions = entries.data.entries.map((e) => e.action);
    for (const a of [
      'exports.runNow',
      'exports.setState',
      'exports.replayLocal',
      'exports.replayLocal.end',
      'exports.replayRemote',
      'exports.reschedule',
    ])
      expect(actions).toContain(a);
    expect(problems).toEqual([]);

    // The job's credentials and the master token never reached the page.
    expect(frames.length).toBeGreaterThan(10);
    const all = frames.join('\n');
    for (const secret of [
      emu().masterToken,
      'demo-logstash-password',
      'demo-secret-acme-prod-0f3c9a',
      ext.body.secrets.AUTH0_CLIENT_SECRET!,
      ext.body.secrets.SLACK_INCOMING_WEBHOOK!,
    ]) {
      expect(all).not.toContain(secret);
    }
    const dom = await page.content();
    expect(dom).not.toContain('demo-logstash-password');
  }, 180_000);
});

// The first day at the console (issue 13), as a new support engineer goes through it, in Chromium
// against the browser host and the demo emulator. One test per item; each failed on the main before
// this change. The demo tenants' crons are live: assertions are on what these steps created.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { api, useEmulator } from '../helpers/emulator';
import { callOk, hostOnEmulator } from '../helpers/host';

const emu = useEmulator({ seed: 'demo' });
const TENANTS = ['acme-prod', 'acme-staging', 'bulk-10k', 'globex', 'initech', 'umbrella-corp'];

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, out, err) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err }),
    );
  });
}

describe('the first day at the console', () => {
  let web: Awaited<ReturnType<typeof hostOnEmulator>>;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    // A short request timeout, so a stuck extension is told apart within the test.
    web = await hostOnEmulator(emu(), { web: true, container: 'acme-prod', requestTimeoutMs: 4000 });
    browser = await launchBrowser();
    // The browser in New York: the reschedule preview must still read in the job's zone.
    ctx = await browser.newContext({ viewport: { width: 1500, height: 950 }, timezoneId: 'America/New_York', locale: 'en-US' });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.web!.url });
    page = await ctx.newPage();
    problems = recordProblems(page);
    await page.goto(web.web!.launchUrl);
    await page.getByTestId('tenant-item').first().waitFor();
    // Discover the demo tenants (the profile starts with its default container only).
    await page.getByTestId('tenants-discover').click();
    await page.locator('[data-testid="tenant-item"][data-tenant="umbrella-corp"]').waitFor({ timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  const tabs = (): Locator => page.getByTestId('tab');
  const activeTab = () => page.locator('[data-testid="tab"][aria-selected="true"]').getAttribute('data-tab');
  const body = (): Locator => page.locator('section.tab-body:not([hidden])');
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());

  it('2. the embedded emulator explains itself: URL, copy token, copy a wt init the real CLI accepts; --help states the token rules', async () => {
    const box = page.getByTestId('embedded-cluster');
    expect(await box.getByTestId('embedded-url').textContent()).toBe(emu().url);
    await box.getByTestId('embedded-copy-token').click();
    await box.getByTestId('embedded-copied').waitFor();
    expect(await clipboard()).toBe(emu().masterToken);
    await box.getByTestId('embedded-copy-wt-init').click();
    await expect.poll(clipboard).toContain('wt init');
    const command = await clipboard();
    expect(command).toBe(`wt init --url ${emu().url} --token ${emu().masterToken} --container acme-prod -p local-emulator`);
    // The real CLI, pointed at the emulator with the copied command, lists the default container.
    const home = await mkdtemp(join(tmpdir(), 'wt-home-'));
    try {
      const args = command.split(' ').slice(1);
      const init = await run(resolve('node_modules/.bin/wt'), args, { HOME: home, NO_COLOR: '1' });
      expect(init.code, init.err).toBe(0);
      const ls = await run(resolve('node_modules/.bin/wt'), ['ls', '-p', 'local-emulator'], { HOME: home, NO_COLOR: '1' });
      expect(ls.code, ls.err).toBe(0);
      expect(ls.out).toContain('counter');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
    // Audited, twice, without the token.
    const audit = await callOk<{ entries: Array<{ action: string; detail?: Record<string, unknown> }> }>(web.host, 'audit.list', {});
    const copies = audit.entries.filter((e) => e.action === 'profile.copyEmbeddedToken');
    expect(copies.map((e) => e.detail?.what).sort()).toEqual(['token', 'wtInit']);
    expect(JSON.stringify(audit.entries)).not.toContain(emu().masterToken);
    // The standalone emulator's --help states the token rules.
    const help = await run(process.execPath, [resolve('node_modules/.bin/tsx'), 'emulator/cli.ts', '--help']);
    expect(help.out).toMatch(/--master-token T .*at least 8 characters/s);
    await screenshot(page, 'first-day-embedded');
    // Three Node processes (wt twice, tsx once) on a busy 2-core machine take most of this.
  }, 240_000);

  it('1. tabs name their profile and kind, scale to 25 across two profiles, close others / to the right, and a palette (Ctrl+K) goes anywhere', async () => {
    // A second profile on the same cluster, marked "STG" in purple.
    await page.getByTestId('profiles-panel').getByRole('button', { name: 'New profile', exact: true }).click();
    const form = body().getByTestId('profile-form');
    await form.locator('input[name=name]').fill('Staging copy');
    await form.locator('input[name=url]').fill(emu().url);
    await form.locator('input[name=container]').fill('acme-staging');
    await form.locator('input[name=token]').fill(emu().masterToken);
    await form.getByLabel('Tab colour #986ee2').check();
    await form.locator('input[name=label]').fill('STG');
    await form.getByRole('button', { name: 'Create profile' }).click();
    const staging = page.getByTestId('profile-item').filter({ hasText: 'Staging copy' });
    await staging.waitFor();
    const profiles = await callOk<{ profiles: Array<{ id: string; name: string; colour?: string; label?: string }> }>(
      web.host,
      'profiles.list',
      {},
    );
    const stg = profiles.profiles.find((p) => p.name === 'Staging copy')!;
    expect(stg).toMatchObject({ colour: '#986ee2', label: 'STG' });

    const openAll = async () => {
      for (const t of TENANTS) {
        await page.locator(`[data-testid="tenant-item"][data-tenant="${t}"] button.link`).click();
        await page.locator(`[data-testid="exports-tenant"][data-tenant="${t}"]`).click();
      }
    };
    await openAll();
    await staging.locator('button.link').first().click();
    await page.getByTestId('tenants-discover').click();
    await page.locator('[data-testid="tenant-item"][data-tenant="umbrella-corp"]').waitFor({ timeout: 30_000 });
    await openAll();
    // Home + 2 profiles x 6 tenants x (tenant, exports) = 25.
    await expect.poll(() => tabs().count()).toBe(25);
    const local = page.locator('[data-testid="tab"][data-tab="tenant:local-emulator:acme-prod"]');
    const other = page.locator(`[data-testid="tab"][data-tab="tenant:${stg.id}:acme-prod"]`);
    expect(await local.getByTestId('tab-profile').textContent()).toBe('LE');
    expect(await other.getByTestId('tab-profile').textContent()).toBe('STG');
    expect(await other.getByTestId('tab-profile').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(152, 110, 226)');
    expect(await local.textContent()).toContain('tenant');
    expect(await page.locator(`[data-testid="tab"][data-tab="exports:${stg.id}:acme-prod"]`).textContent()).toContain('exports');
    // The last opened tab is in view although the strip overflows.
    const strip = await page.locator('.tabs').boundingBox();
    const last = await page.locator('[data-testid="tab"][aria-selected="true"]').boundingBox();
    expect(last!.x + last!.width).toBeLessThanOrEqual(strip!.x + strip!.width + 1);
    await screenshot(page, 'first-day-tabs-25-two-profiles');

    // The tab list reaches a tab that scrolled away; focusing it brings it into view.
    await page.getByTestId('tab-list-toggle').click();
    await page.locator('[data-testid="tab-list-item"][data-tab="tenant:local-emulator:acme-prod"]').click();
    expect(await activeTab()).toBe('tenant:local-emulator:acme-prod');
    const box = await local.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(strip!.x - 1);
    // Reopening an open view focuses its tab instead of adding one.
    await page.locator(`[data-testid="exports-tenant"][data-tenant="globex"]`).click();
    expect(await activeTab()).toBe(`exports:${stg.id}:globex`);
    expect(await tabs().count()).toBe(25);

    // The palette: recent first, then anything by typing.
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette').waitFor();
    expect(await page.getByTestId('palette-item').first().getAttribute('data-key')).toBe(`recent:exports:${stg.id}:globex`);
    await page.getByTestId('palette-input').fill('logs initech LE');
    await screenshot(page, 'first-day-palette');
    expect(await page.getByTestId('palette-item').first().getAttribute('data-key')).toBe('logs:local-emulator:initech');
    await page.keyboard.press('Enter');
    await expect.poll(activeTab).toBe('logs:local-emulator:initech');
    expect(await page.getByTestId('palette').count()).toBe(0);

    // Close all to the right of the local acme-prod tenant, then every other tab.
    await local.click({ button: 'right' });
    await page.getByTestId('tab-close-right').click();
    expect(await tabs().count()).toBe(2);
    await page.locator(`[data-testid="tab"][data-tab="home"]`).click({ button: 'right' });
    await page.getByTestId('tab-close-others').click();
    expect(await tabs().count()).toBe(1);
    // Back to the embedded profile for the next steps.
    await page.getByTestId('profile-item').filter({ hasText: 'Local emulator' }).locator('button.link').first().click();
  });

  const useLocalEmulator = async () => {
    await page.getByTestId('profile-item').filter({ hasText: 'Local emulator' }).locator('button.link').first().click();
    await page.locator('[data-testid="tenant-item"][data-tenant="umbrella-corp"]').waitFor({ timeout: 30_000 });
  };

  it('3. the reschedule preview reads in the job’s zone, named, with the viewer’s time beside', async () => {
    await useLocalEmulator();
    await page.locator('[data-testid="exports-tenant"][data-tenant="initech"]').click();
    await page.locator('[data-testid="export-job"][data-job="logs-to-cloudwatch"]').waitFor();
    const detail = body().getByTestId('export-detail');
    await detail.getByTestId('reschedule-cron').fill('0 9 * * *');
    await detail.getByTestId('reschedule-tz').fill('Europe/Paris');
    const preview = detail.getByTestId('reschedule-preview');
    // The preview follows the fields after a short debounce.
    await expect.poll(() => preview.getByTestId('reschedule-preview-zone').textContent()).toBe('Europe/Paris');
    await expect.poll(() => preview.getByTestId('reschedule-preview-time').first().textContent()).toMatch(/09:00/);
    expect(await preview.getByTestId('reschedule-preview-time').count()).toBe(5);
    // December: Paris is UTC+1, New York UTC-5.
    for (const li of await preview.getByTestId('reschedule-preview-time').all()) {
      const text = (await li.textContent())!;
      expect(text).toMatch(/09:00 GMT\+1/);
      expect(text).toMatch(/your time .*03:00 EST/);
    }
    await screenshot(page, 'first-day-reschedule-preview-paris-from-new-york');
  });

  it('4. a run that failed before its first checkpoint is replayed from the oldest log; the job row says something true', async () => {
    const TENANT = 'umbrella-corp';
    const JOB = 'logs-to-loganalytics';
    // Hourly: stop it so no scheduled run changes what this test reads.
    await api(emu(), `/api/cron/${TENANT}/${JOB}/state`, { method: 'PUT', body: { state: 'inactive' } });
    await page.locator(`[data-testid="exports-tenant"][data-tenant="${TENANT}"]`).click();
    const row = page.locator(`[data-testid="export-job"][data-job="${JOB}"]`);
    await row.waitFor();
    expect(await row.getByTestId('export-job-last').textContent()).toContain('no scheduled run yet');
    expect(await row.getByTestId('export-job-counts').textContent()).toBe('none scheduled yet');
    expect(await row.textContent()).not.toContain('never ran');

    const detail = body().getByTestId('export-detail');
    const fault = emu().faults.add({ pathRegex: '^/dest/azure', status: 500 });
    try {
      await detail.getByTestId('run-now').click();
      await expect
        .poll(() => detail.getByTestId('remote-result').getByTestId('export-report').getAttribute('data-status'), { timeout: 60_000 })
        .toBe('failed');
    } finally {
      emu().faults.remove(fault.id);
    }
    await detail.getByTestId('history-refresh').click();
    const failed = detail.locator('[data-testid="history-run"][data-type="error"]').first();
    await failed.getByTestId('use-checkpoint').waitFor();
    expect(await failed.getByTestId('use-checkpoint').textContent()).toBe('Use checkpoint (start)');
    await detail.getByTestId('replay-from-oldest').uncheck();
    await failed.getByTestId('use-checkpoint').click();
    expect(await detail.getByTestId('replay-from-oldest').isChecked()).toBe(true);
    await detail.getByTestId('replay-start').click();
    expect(await detail.getByTestId('confirm-from').textContent()).toBe('the oldest log');
    await detail.getByTestId('replay-confirm').click();
    await expect.poll(() => detail.getByTestId('local-run').getAttribute('data-state'), { timeout: 60_000 }).toBe('ok');
    const report = detail.getByTestId('local-run').getByTestId('export-report');
    expect(await report.getAttribute('data-status')).toBe('ok');
    await screenshot(page, 'first-day-replay-failed-before-first-checkpoint');
  });

  it('5. ".." and other names off the platform rule are refused with "Invalid name" in profiles, Add tenant, Tail and Exports', async () => {
    await page.getByTestId('tenant-add-input').fill('..');
    await page.getByTestId('tenant-add-input').press('Enter');
    const addError = page.getByTestId('tenant-add-error');
    await addError.waitFor();
    expect(await addError.textContent()).toMatch(/^Add tenant: Invalid name: container names start with a letter, digit or "_"/);
    await addError.getByRole('button', { name: 'Dismiss' }).click();
    expect(await addError.count()).toBe(0);

    await page.getByTestId('exports-tenant-input').fill('..');
    await page.getByTestId('exports-tenant-input').press('Enter');
    await expect.poll(() => body().textContent()).toContain('Tenant name: Invalid name');
    expect(await body().textContent()).not.toContain('no such endpoint');

    await page.getByTestId('logs-container-input').fill('..');
    await page.getByTestId('logs-open').click();
    await expect.poll(() => body().textContent()).toContain('Invalid name');

    await page.getByTestId('profiles-panel').getByRole('button', { name: 'New profile', exact: true }).click();
    const form = body().getByTestId('profile-form');
    await form.locator('input[name=name]').fill('Dots');
    await form.locator('input[name=url]').fill(emu().url);
    await form.locator('input[name=container]').fill('..');
    await form.locator('input[name=token]').fill(emu().masterToken);
    await form.getByRole('button', { name: 'Create profile' }).click();
    await expect.poll(() => form.getByTestId('form-error').textContent()).toMatch(/^Default container: Invalid name/);
  });

  it('7. invoke: a new error replaces the previous response; a stuck extension is told apart from an unreachable cluster', async () => {
    await page.locator('[data-testid="tenant-item"][data-tenant="acme-staging"] button.link').click();
    await body().locator('[data-testid="ext-row"][data-name="stuck-job"]').click();
    await body().getByTestId('section-invoke').click();
    const panel = body().getByTestId('invoke-panel');
    await panel.getByTestId('inv-send').click();
    const err = panel.getByTestId('inv-error');
    await err.waitFor({ timeout: 30_000 });
    expect(await err.textContent()).toMatch(/^stuck-job did not answer within \d+ s: the cluster answered just before/);
    expect(await panel.getByTestId('diag-reading').textContent()).not.toContain('was not reached');
    // A bad path: refused before any call, in place of the previous response.
    await panel.getByTestId('inv-path').fill('/has space');
    await panel.getByTestId('inv-send').click();
    await expect.poll(() => panel.locator('[role="alert"]').first().textContent()).toMatch(/^Path: /);
    expect(await panel.getByTestId('diagnostics').count()).toBe(0);
  });

  it('8. a 5 MB paste is capped in the form (no freeze), and errors name the field as labelled', async () => {
    await page.locator('[data-testid="tenant-item"][data-tenant="bulk-10k"] button.link').click();
    const filter = body().getByTestId('ext-name-filter');
    await filter.evaluate((el) => {
      const input = el as HTMLInputElement;
      input.focus();
      document.execCommand('insertText', false, 'x'.repeat(5 * 1024 * 1024));
    });
    expect((await filter.inputValue()).length).toBe(128);
    // The field kept 128 characters, not 5 MB, so nothing downstream sees the paste (the old page froze
    // for 40-77 s filtering with it); and the page still answers.
    expect(await page.evaluate(() => 1)).toBe(1);
    expect(await body().textContent()).not.toContain('Too big');
    // Every text input and textarea is capped.
    const uncapped = await page.evaluate(() =>
      [...document.querySelectorAll('input:not([type=checkbox]):not([type=radio]), textarea')]
        .filter((e) => !(e as HTMLInputElement).maxLength || (e as HTMLInputElement).maxLength < 0)
        .map((e) => e.outerHTML.slice(0, 120)),
    );
    // The log tab's own fields (the logs feature's) and xterm's input are not forms of this change.
    expect(uncapped.filter((h) => !/logs-|xterm-helper/.test(h))).toEqual([]);
    // A URL the contract refuses is reported under the form's label.
    await page.getByTestId('profiles-panel').getByRole('button', { name: 'New profile', exact: true }).click();
    const form = body().getByTestId('profile-form');
    await form.locator('input[name=name]').fill('Bad URL');
    await form.locator('input[name=url]').fill('ftp://x');
    await form.locator('input[name=container]').fill('acme');
    await form.locator('input[name=token]').fill(emu().masterToken);
    await form.getByRole('button', { name: 'Create profile' }).click();
    await expect.poll(() => form.getByTestId('form-error').textContent()).toMatch(/^Cluster URL must be an http\(s\) URL/);
    expect(await form.getByTestId('form-error').textContent()).not.toMatch(/^url:/);
  });

  it('9. smaller: the Active switch asks first, a bad regex says why, test results are one per profile and dismissible, Lock stays visible, audit detail readable', async () => {
    await page.locator('[data-testid="exports-tenant"][data-tenant="globex"]').click();
    const row = page.locator('[data-testid="export-job"][data-job="logs-to-logstash"]');
    await row.waitFor();
    await row.getByTestId('job-state-toggle').click();
    await row.getByTestId('job-stop-confirm').waitFor();
    const cron = await api<{ state: string }>(emu(), '/api/cron/globex/logs-to-logstash');
    expect(cron.body.state).toBe('active');
    await row.getByRole('button', { name: 'Keep running' }).click();
    expect(await row.getByTestId('job-stop-confirm').count()).toBe(0);
    expect(await row.getByTestId('job-state-toggle').getAttribute('data-state')).toBe('active');

    await page.getByTestId('logs-container-input').fill('globex');
    await page.getByTestId('logs-open').click();
    await body().getByTestId('logs-regex').check();
    await body().getByTestId('logs-filter').fill('(unclosed');
    await expect
      .poll(() => body().getByTestId('logs-filter-error').textContent())
      .toMatch(/Invalid regular expression: .*(Unterminated group|missing \))/i);

    // Test every profile twice: one result each, dismissible; Lock stays on screen.
    for (let i = 0; i < 2; i++) {
      for (const item of await page.getByTestId('profile-item').all()) {
        await item.getByTestId('profile-test').click();
      }
    }
    const items = await page.getByTestId('profile-item').count();
    const results = page.getByTestId('profiles-panel').getByTestId('connection-result');
    await expect.poll(() => results.count()).toBe(items);
    const lock = await page.getByTestId('lock-toggle').boundingBox();
    expect(lock!.y + lock!.height).toBeLessThanOrEqual(950);
    await page.getByTestId('profiles-panel').getByTestId('connection-result-dismiss').first().click();
    expect(await results.count()).toBe(items - 1);

    await page.getByRole('button', { name: 'Audit log' }).click();
    const detail = body().locator('[data-testid="audit-row"] .audit-detail').first();
    await detail.waitFor();
    const width = await detail.evaluate((e) => e.getBoundingClientRect().width);
    expect(width).toBeGreaterThanOrEqual(300);
    expect(problems).toEqual([]);
  });
});

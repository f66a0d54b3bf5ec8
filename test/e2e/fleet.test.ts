/**
 * The fleet view in Chromium against the fleet seed: a scan with visible progress, cancelled and
 * resumed; the "needs attention" preset and sorting; a row opening the tenant's exports; a code search
 * whose highlighted hit opens the code view at the line.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index';
import { fleetPlan } from '../../emulator/fleet-seed';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { webHostOnEmulator } from '../helpers/logs';

const plan = fleetPlan();

describe('fleet view', () => {
  let emu: Emulator;
  let started: Awaited<ReturnType<typeof webHostOnEmulator>>;
  let browser: Browser;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 'fleet', quiet: true });
    started = await webHostOnEmulator(emu, 'acme-prod-000');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await started?.close();
    await emu?.close();
  });

  it('scans with progress, cancels, resumes, and narrows to the tenants that need attention', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const problems = recordProblems(page);
    await page.goto(started.web.launchUrl);
    await page.getByTestId('open-fleet').click();
    const view = page.getByTestId('fleet-view');
    await view.waitFor();
    // Slow tenants, so the scan is still running when we look and cancel.
    const slow = emu.faults.add({ path: '/api/cron/', latencyMs: 150 }); // 1,000 tenants at 8 at once: 20 s or more
    await view.getByTestId('fleet-scan').click();
    const progress = view.getByTestId('fleet-progress');
    await expect.poll(async () => Number(await progress.getAttribute('data-done')), { timeout: 60_000 }).toBeGreaterThan(20);
    expect(await progress.getAttribute('data-state')).toBe('running');
    expect(await progress.getAttribute('data-total')).toBe('1000');
    await expect.poll(() => progress.textContent()).toMatch(/\/ 1,000 tenants .* requests · about \d+ s left/);
    await screenshot(page, 'fleet-scan-progress');
    await view.getByTestId('fleet-cancel').click();
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 20_000 }).toBe('cancelled');
    const partial = Number(await view.getByTestId('fleet-count').getAttribute('data-total'));
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(1000);

    emu.faults.remove(slow.id);
    await view.getByTestId('fleet-resume').click();
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await expect.poll(() => view.getByTestId('fleet-count').getAttribute('data-total')).toBe('1000');

    // Needs attention: exactly the tenants with a planted failing job or lagging export.
    const attention = new Set([...plan.failing.map((f) => f.container), ...plan.lagging.map((l) => l.container)]);
    await view.getByTestId('fleet-attention').check();
    await expect.poll(() => view.getByTestId('fleet-count').getAttribute('data-shown')).toBe(String(attention.size));
    // Sorted by export lag, largest first: the most lagging planted export's tenant on top.
    await view.getByTestId('fleet-sort-lag').click();
    const oldest = [...plan.lagging].sort((a, b) => b.ageMs - a.ageMs)[0]!;
    const top = view.getByTestId('fleet-row').first();
    await expect.poll(() => top.getAttribute('data-tenant')).toBe(oldest.container);
    await screenshot(page, 'fleet-needs-attention');
    // A column filter: at least one failing job is exactly the tenants with a planted failing job.
    await view.getByTestId('fleet-filter-failing').fill('>0');
    await expect
      .poll(() => view.getByTestId('fleet-count').getAttribute('data-shown'))
      .toBe(String(new Set(plan.failing.map((f) => f.container)).size));
    await view.getByTestId('fleet-filter-failing').fill('');

    // The row opens that tenant's export jobs.
    await top.getByTestId('row-open-exports').click();
    await page.locator(`[data-testid=exports-view][data-tenant="${oldest.container}"]`).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  it("searches every extension's code and opens a highlighted hit at its line", async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const problems = recordProblems(page);
    await page.goto(started.web.launchUrl);
    await page.getByTestId('open-fleet').click();
    const view = page.getByTestId('fleet-view');
    await view.getByTestId('fleet-section-search').click();
    await view.getByTestId('fleet-search-code').fill('jwt\\.decode\\(ctx\\.body\\.\\w+\\)');
    await view.getByTestId('fleet-search-regex').check();
    await view.getByTestId('fleet-search-go').click();
    await expect.poll(() => view.getByTestId('fleet-search-progress').getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await expect.poll(() => view.getByTestId('fleet-hit').count()).toBe(plan.planted.jwtDecode.length);
    expect(await view.getByTestId('fleet-search-summary').getAttribute('data-extensions')).toBe(String(plan.planted.jwtDecode.length));
    const first = view.getByTestId('fleet-hit-line').first();
    expect(await first.locator('mark').textContent()).toBe('jwt.decode(ctx.body.id_token)');
    await screenshot(page, 'fleet-code-search');

    const tenant = await view.getByTestId('fleet-hit-tenant').first().getAttribute('data-tenant');
    const name = await view.getByTestId('fleet-hit').first().getAttribute('data-name');
    const line = Number(await first.getAttribute('data-line'));
    expect(plan.planted.jwtDecode).toContainEqual({ container: tenant, name, line });
    await first.click();
    const code = page.locator(`[data-testid=webtask-view][data-name="${name}"]`);
    const target = code.getByTestId('code-line-target');
    await target.waitFor();
    expect(await target.textContent()).toContain(`${line}`);
    expect(await target.textContent()).toContain('jwt.decode(ctx.body.id_token)');
    await screenshot(page, 'fleet-code-search-hit');
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);
});

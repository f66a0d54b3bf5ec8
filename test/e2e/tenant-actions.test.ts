/** From a tenant's view, one click each reaches its live logs and its export jobs. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { webHostOnEmulator } from '../helpers/logs';

describe('tenant view actions', () => {
  let emu: Emulator;
  let started: Awaited<ReturnType<typeof webHostOnEmulator>>;
  let browser: Browser;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 'demo', quiet: true });
    started = await webHostOnEmulator(emu);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await started?.close();
    await emu?.close();
  });

  it('opens the tenant, then its live tail and its export jobs', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = recordProblems(page);
    await page.goto(started.web.launchUrl);
    await page.getByTestId('tenant-item').filter({ hasText: 'acme-prod' }).first().locator('button.link').click();
    const view = page.locator('[data-testid=tenant-view][data-container=acme-prod]');
    await view.waitFor();

    await view.getByTestId('tenant-open-logs').click();
    const tail = page.getByTestId('logs-tab-acme-prod');
    await expect.poll(() => tail.getByTestId('logs-state').textContent(), { timeout: 10_000 }).toBe('connected');

    await page
      .locator('[data-testid="tab"][data-tab^="tenant"], [data-testid="tab"]')
      .filter({ hasText: /^(LE)?(tenant)?acme-prod×?$/ })
      .first()
      .locator('button.link')
      .click();
    await view.getByTestId('tenant-open-exports').click();
    const exportsView = page.locator('[data-testid=exports-view][data-tenant=acme-prod]');
    await exportsView.waitFor();
    await expect.poll(() => exportsView.getByTestId('export-job').count(), { timeout: 10_000 }).toBe(3);
    await screenshot(page, 'tenant-actions-exports');
    expect(problems).toEqual([]);
    await page.close();
  });
});

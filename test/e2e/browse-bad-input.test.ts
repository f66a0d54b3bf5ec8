// Bad input in the browser: a refused token, a timeout, an unknown tenant; each shows the message and a Retry,
// and the rest of the console keeps working.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { callOk, hostOnEmulator } from '../helpers/host';

describe('bad input in the browse views', () => {
  let emu: Emulator;
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: 'demo', quiet: true });
    // The timeout applies to every request, discovery of the 10,000-extension tenant included: it must be
    // long enough for a busy machine, and the injected delay far longer than it.
    h = await hostOnEmulator(emu, { web: true, requestTimeoutMs: 6000 });
    await callOk(h.host, 'profiles.save', { name: 'Wrong token', url: emu.url, container: 'globex', token: 'not-a-real-token-123456' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = recordProblems(page);
    await page.goto(h.web!.launchUrl);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await emu?.close();
  });

  const openTenant = async (name: string) => {
    await page.getByTestId('tenants-search').fill(name);
    await page.getByTestId('tenant-item').filter({ hasText: name }).first().locator('button.link').click();
    return page.locator(`[data-testid=tenant-view][data-container="${name}"]`);
  };

  it('a timeout shows the address and the wait, and Retry recovers', async () => {
    await page.getByTestId('tenant-item').filter({ hasText: 'globex' }).waitFor();
    const rule = emu.faults.add({ path: '/api/webtask/initech', latencyMs: 30_000, count: 1 });
    const view = await openTenant('initech');
    await view.getByTestId('ext-error').waitFor({ timeout: 60_000 });
    expect(await view.getByTestId('ext-error').textContent()).toMatch(/did not answer within 6 s/);
    await screenshot(page, 'browse-bad-timeout');
    emu.faults.remove(rule.id);
    await view.getByTestId('ext-error').getByRole('button', { name: 'Retry' }).click();
    await view.getByTestId('ext-row').first().waitFor();
    expect(await view.getByTestId('ext-error').count()).toBe(0);
  });

  it("an unknown tenant shows the cluster's 404 message", async () => {
    await page.getByTestId('tenant-add-input').fill('no-such-customer');
    await page.getByTestId('tenant-add-input').press('Enter');
    const view = await openTenant('no-such-customer');
    await view.getByTestId('ext-error').waitFor();
    expect(await view.getByTestId('ext-error').textContent()).toContain('container `no-such-customer` not found');
  });

  it("a refused token shows the server's 403 message as is; switching back works", async () => {
    const wrong = page.getByTestId('profile-item').filter({ hasText: 'Wrong token' });
    await wrong.locator('button.link').first().click();
    await expect.poll(() => wrong.getAttribute('class')).toContain('active');
    const view = await openTenant('globex');
    await view.getByTestId('ext-error').waitFor();
    const text = await view.getByTestId('ext-error').textContent();
    expect(text).toBe('invalid token: not a token issued by this cluster Retry');
    expect(text).not.toContain('not-a-real-token');
    await page.getByTestId('tenants-discover').click();
    await page.getByTestId('discovery-forbidden').waitFor();
    await screenshot(page, 'browse-bad-403');
    // Back to the working profile: the console is still usable.
    const local = page.getByTestId('profile-item').filter({ hasText: 'Local emulator' });
    await local.locator('button.link').first().click();
    const ok = await openTenant('acme-staging');
    await ok.getByTestId('ext-row').first().waitFor();
    expect(problems).toEqual([]);
  });
});

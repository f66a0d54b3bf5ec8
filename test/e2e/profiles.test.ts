import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordFrames, recordProblems, screenshot } from '../helpers/browser';
import { fixedServer, startTestWebHost } from '../helpers/host';

const TOKEN = 'e2e-master-token-7f3a9c1d5b';

describe('profiles in the browser host', () => {
  let started: Awaited<ReturnType<typeof startTestWebHost>>;
  let browser: Browser;
  let page: Page;
  let frames: string[];
  let problems: string[];
  let ok: Awaited<ReturnType<typeof fixedServer>>;
  let refused: Awaited<ReturnType<typeof fixedServer>>;

  beforeAll(async () => {
    started = await startTestWebHost({ requestTimeoutMs: 3000 });
    ok = await fixedServer(200, [{ name: 'hello', container: 'acme' }]);
    refused = await fixedServer(403, { code: 403, message: 'not authorized to perform operation on tenant `acme`', req_id: 'r1' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    frames = recordFrames(page);
    problems = recordProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await ok?.close();
    await refused?.close();
    await started?.close();
  });

  it('creates, tests (403 then 200), removes a profile, and the token never reaches the page', async () => {
    await page.goto(started.web.launchUrl);
    const form = page.getByTestId('first-run').getByTestId('profile-form');
    await form.waitFor();
    await form.locator('input[name=name]').fill('Acme production');
    await form.locator('input[name=url]').fill(refused.url);
    await form.locator('input[name=container]').fill('acme');
    await form.locator('input[name=token]').fill(TOKEN);
    await form.getByRole('button', { name: 'Create profile' }).click();

    const item = page.getByTestId('profile-item').filter({ hasText: 'Acme production' });
    await item.waitFor();
    expect(await item.textContent()).toContain('token for this session');

    await item.getByTestId('profile-test').click();
    const result = item.getByTestId('connection-result');
    await expect.poll(() => result.getAttribute('data-outcome')).toBe('forbidden');
    expect(await result.textContent()).toContain('not authorized to perform operation on tenant `acme`');
    await screenshot(page, 'profiles-403');

    // Point it at the server that accepts: another origin, so the stored token is removed and asked for again.
    await item.getByRole('button', { name: 'Edit' }).click();
    const edit = page.locator('section:not([hidden])').getByTestId('profile-form');
    await edit.locator('input[name=url]').fill(ok.url);
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => edit.getByTestId('token-dropped').textContent())
      .toBe('The token was removed because the URL changed: enter it again.');
    expect(await item.textContent()).toContain('no token');
    expect(ok.requests).toEqual([]);
    await screenshot(page, 'profiles-token-dropped');
    await edit.locator('input[name=token]').fill(TOKEN);
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => item.textContent()).toContain('token for this session');
    await item.getByTestId('profile-test').click();
    await expect.poll(() => item.getByTestId('connection-result').getAttribute('data-outcome')).toBe('ok');
    expect(ok.requests.at(-1)?.auth).toBe(`Bearer ${TOKEN}`);
    await screenshot(page, 'profiles-200');

    await item.getByTestId('profile-remove').click();
    await item.getByTestId('profile-remove-confirm').click();
    await expect.poll(() => page.getByTestId('profile-item').count()).toBe(0);
    await page.getByTestId('first-run').waitFor();

    const dom = await page.content();
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(dom).not.toContain(TOKEN);
    expect(storage).not.toContain(TOKEN);
    expect(frames.length).toBeGreaterThan(5);
    expect(frames.filter((f) => f.includes(TOKEN))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows that the host went away', async () => {
    const p = await browser.newPage();
    await p.goto(started.web.url + '/#wrong-secret');
    await p.getByTestId('connection-banner').waitFor();
    expect(await p.getByTestId('connection-banner').textContent()).toMatch(/Cannot connect to the console host/);
    await p.close();
  });
});

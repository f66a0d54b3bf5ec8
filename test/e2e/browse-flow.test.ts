// The support engineer's daily path in Chromium, against the browser host and the emulator.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/index';
import { screenshot } from '../helpers/browser';
import { api } from '../helpers/emulator';
import { expectNoSecretInFrames, openWebStand, type WebStand } from '../helpers/web-stand';

describe('browse, inspect, invoke in the browser host', () => {
  let stand: WebStand;
  let emu: Emulator;
  let h: WebStand['h'];
  let page: Page;
  let frames: string[];
  const home = mkdtempSync(join(tmpdir(), 'wt-home-'));
  const wtFile = join(home, '.webtask');
  let wtContent = '';

  beforeAll(async () => {
    stand = await openWebStand({ viewport: { width: 1400, height: 900 } });
    ({ emu, h, page, frames } = stand);
    wtContent = JSON.stringify({ 'support-master': { url: emu.url, token: emu.masterToken, container: 'acme-prod' } }, null, 2);
    writeFileSync(wtFile, wtContent, { mode: 0o600 });
  }, 30_000);

  afterAll(async () => {
    await stand?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('imports ~/.webtask, browses a demo tenant, inspects, reveals, saves, invokes, audits; the master token never reaches the page', async () => {
    await page.goto(h.web!.launchUrl);

    // First run on the embedded emulator: its demo tenants with no typing.
    const panel = page.getByTestId('tenants-panel');
    await panel.getByTestId('tenant-item').filter({ hasText: 'globex' }).waitFor();
    expect(await panel.getByTestId('tenant-item').count()).toBeGreaterThanOrEqual(6);
    await screenshot(page, 'browse-01-demo-tenants');

    // Import the wt CLI's profiles file.
    await page.getByTestId('profiles-import').click();
    const imp = page.getByTestId('import-view');
    await imp.getByTestId('import-path').fill(wtFile);
    await imp.getByTestId('import-read').click();
    await imp.getByTestId('import-row').filter({ hasText: 'support-master' }).waitFor();
    expect(await imp.getByTestId('import-preview').textContent()).toContain('(hidden)');
    await imp.getByTestId('import-go').click();
    await imp.getByTestId('import-plaintext-warning').waitFor();
    expect(await imp.getByTestId('import-plaintext-warning').textContent()).toMatch(/still holds its token in plain text/);
    expect(readFileSync(wtFile, 'utf8')).toBe(wtContent);
    await screenshot(page, 'browse-02-imported');

    // Switch to the imported profile and discover its tenants.
    const item = page.getByTestId('profile-item').filter({ hasText: 'support-master' });
    await item.locator('button.link').first().click();
    await expect.poll(() => item.getAttribute('class')).toContain('active');
    await panel.getByTestId('tenant-item').filter({ hasText: 'acme-prod' }).waitFor();
    await panel.getByTestId('tenants-discover').click();
    await panel.getByTestId('tenant-item').filter({ hasText: 'umbrella-corp' }).waitFor();
    await panel.getByTestId('tenants-search').fill('acme');
    await expect.poll(() => panel.getByTestId('tenant-item').count()).toBe(2);

    // Open the demo tenant and filter its extensions by two meta pairs (AND).
    await panel.getByTestId('tenant-item').filter({ hasText: 'acme-prod' }).locator('button.link').click();
    const view = page.locator('[data-testid=tenant-view][data-container=acme-prod]');
    await view.getByTestId('ext-row').first().waitFor();
    const all = await view.getByTestId('ext-row').count();
    expect(all).toBeGreaterThan(3);
    await view.getByTestId('ext-meta-input').fill('purpose:rule');
    await view.getByTestId('ext-meta-input').press('Enter');
    await view.getByTestId('ext-meta-input').fill('auth0-rule:add-roles');
    await view.getByTestId('ext-meta-input').press('Enter');
    await expect.poll(() => view.getByTestId('meta-chip').count()).toBe(2);
    await expect.poll(() => view.getByTestId('ext-row').count()).toBe(1);
    expect(await view.getByTestId('ext-row').getAttribute('data-name')).toBe('rule-add-roles');
    await screenshot(page, 'browse-03-meta-filter');

    // Open it: meta, claims, secrets masked until revealed.
    await view.getByTestId('ext-row').click();
    const wt = page.locator('[data-testid=webtask-view][data-name=rule-add-roles]');
    await wt.getByTestId('claims').waitFor();
    expect(await wt.getByTestId('claims').textContent()).toContain('acme-prod');
    const secret = wt.locator('[data-testid=secret-row][data-key=ADMIN_DOMAIN]');
    expect(await secret.textContent()).not.toContain('acme.example');
    await secret.getByTestId('secret-reveal').click();
    await expect.poll(() => secret.getByTestId('secret-value').textContent()).toBe('acme.example');
    await screenshot(page, 'browse-04-inspect-reveal');

    // Code: highlighted, numbered, saved as a download whose content is the extension's code.
    await wt.getByTestId('section-code').click();
    await wt.getByTestId('code-view').locator('.tok-keyword').first().waitFor();
    expect(await wt.getByTestId('code-view').locator('.ln').first().textContent()).toBe('1');
    const [download] = await Promise.all([page.waitForEvent('download'), wt.getByTestId('code-save').click()]);
    expect(download.suggestedFilename()).toBe('rule-add-roles.js');
    const saved = readFileSync((await download.path())!, 'utf8');
    const truth = await api<{ code: string }>(emu, '/api/webtask/acme-prod/rule-add-roles?fetch_code=true');
    expect(saved).toBe(truth.body.code);
    await screenshot(page, 'browse-05-code');

    // Invoke it and read the diagnostics.
    await wt.getByTestId('section-invoke').click();
    await wt.getByTestId('inv-method').selectOption('POST');
    await wt.getByTestId('inv-body-input').fill('{"user":{"email":"jane@acme.example"}}');
    await wt.getByTestId('inv-send').click();
    const inv = wt.getByTestId('invocation');
    await inv.waitFor();
    expect(await inv.getByTestId('inv-status').textContent()).toBe('HTTP 200');
    expect(await inv.getByTestId('diagnostics').getAttribute('data-source')).toBe('webtask');
    expect(await inv.getByTestId('diag-reading').textContent()).toMatch(/extension's own code produced this response/);
    expect(await inv.getByTestId('diagnostics').textContent()).toContain('proxy_host');
    // The response echoes the user; the secret's value (acme.example) is shown, and kept, under its name only.
    expect(await inv.getByTestId('inv-body').textContent()).toContain('"jane@[secret ADMIN_DOMAIN]"');
    await expect.poll(() => wt.getByTestId('history-item').count()).toBe(1);
    await screenshot(page, 'browse-06-invoke');

    // The audit view lists what was done.
    await page.getByRole('button', { name: 'Audit log' }).click();
    const audit = page.getByTestId('audit-view');
    await audit.locator('[data-testid=audit-row][data-action="secret.reveal"]').waitFor();
    for (const a of ['profile.import', 'tenant.discover', 'webtask.inspect', 'secret.reveal', 'webtask.invoke']) {
      expect(await audit.locator(`[data-testid=audit-row][data-action="${a}"]`).count(), a).toBeGreaterThan(0);
    }
    expect(await audit.locator('[data-testid=audit-row][data-action="secret.reveal"]').first().textContent()).toContain(
      'key: ADMIN_DOMAIN',
    );
    expect(await audit.textContent()).not.toContain('acme.example"');
    await audit.getByTestId('audit-action').selectOption('secret.reveal');
    await expect.poll(() => audit.getByTestId('audit-row').count()).toBe(1);
    await screenshot(page, 'browse-07-audit');
    const [jsonl] = await Promise.all([page.waitForEvent('download'), audit.getByTestId('audit-export').click()]);
    const lines = readFileSync((await jsonl.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; detail?: { key?: string } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      action: 'secret.reveal',
      tenant: 'acme-prod',
      target: 'rule-add-roles',
      profile: 'support-master',
      detail: { key: 'ADMIN_DOMAIN' },
    });
    expect(JSON.stringify(lines)).not.toContain('"acme.example"');

    // The master token never reached the page.
    const dom = await page.content();
    const storage = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })');
    expect(dom).not.toContain(emu.masterToken);
    expect(storage).not.toContain(emu.masterToken);
    expect(frames.length).toBeGreaterThan(10);
    expectNoSecretInFrames(stand);
  }, 60_000);

  it('a 10,000-extension tenant loads pages on demand as the list scrolls', async () => {
    await page.getByTestId('tenants-search').fill('bulk');
    await page.getByTestId('tenant-item').filter({ hasText: 'bulk-10k' }).locator('button.link').click();
    const view = page.locator('[data-testid=tenant-view][data-container=bulk-10k]');
    const list = view.getByTestId('ext-list');
    await expect.poll(() => list.getAttribute('data-count')).toBe('100');
    // Only the rows in view are in the DOM.
    expect(await list.getByTestId('ext-row').count()).toBeLessThan(80);
    for (let i = 0; i < 5; i++) await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(async () => Number(await list.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThanOrEqual(300);
    await screenshot(page, 'browse-08-bulk-scrolled');
    // Name search scans the container's pages in the core (the protocol has no name filter).
    await view.getByTestId('ext-name-filter').fill('ext-0999');
    await expect.poll(() => list.getAttribute('data-count'), { timeout: 10_000 }).toBe('10');
    expect(await view.getByTestId('ext-status').textContent()).toMatch(/10 loaded/);
  }, 30_000);

  it('bad input stays usable: an unknown extension shows the server message with a Retry', async () => {
    await page.evaluate(() => undefined);
    const err = await h.host.call('webtasks.inspect', { container: 'acme-prod', name: 'gone' }, { id: 'x', emit() {}, onClose() {} });
    expect(err.ok).toBe(false);
    // The same in the UI: delete an extension that is open, then reload it.
    await page.getByTestId('tenants-search').fill('globex');
    await page.getByTestId('tenant-item').filter({ hasText: 'globex' }).locator('button.link').click();
    const view = page.locator('[data-testid=tenant-view][data-container=globex]');
    await view.locator('[data-testid=ext-row][data-name=echo]').click();
    const wt = page.locator('[data-testid=webtask-view][data-name=echo]');
    await wt.getByTestId('claims').waitFor();
    await api(emu, '/api/webtask/globex/echo', { method: 'DELETE' });
    await wt.getByRole('button', { name: 'Reload' }).click();
    await wt.getByTestId('webtask-error').waitFor();
    expect(await wt.getByTestId('webtask-error').textContent()).toContain('webtask `echo` not found in container `globex`');
    expect(await wt.getByTestId('webtask-error').getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await screenshot(page, 'browse-09-unknown-extension');
  }, 30_000);
});

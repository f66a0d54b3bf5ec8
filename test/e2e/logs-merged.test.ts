// A merged tail in Chromium against the browser host and the emulator: opened from a multi-selection
// of the tenants list, from a name pattern and from "containers running extension X"; each line
// prefixed with its container; one chip per container; mute, solo, filter and save across the merge.
// Screenshots: test-artifacts/logs-merged-*.png.
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/browser';
import { useEmulator } from '../helpers/emulator';
import { paneText, useLogsPage } from '../helpers/logs-page';

const emu = useEmulator({ seed: 'demo', logPingMs: 1000 });

/** The visible merged tab, and its name for the test hook (its label). */
async function mergedTab(page: Page, containers: string[]): Promise<{ tab: Locator; name: string }> {
  const tab = page.locator('[data-testid^="logs-tab-merged-"]:visible');
  await expect
    .poll(() => tab.getByTestId('logs-chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-container'))), { timeout: 15_000 })
    .toEqual(containers);
  await expect
    .poll(() => tab.getByTestId('logs-chip').evaluateAll((els) => els.every((e) => e.getAttribute('data-state') === 'connected')), {
      timeout: 15_000,
    })
    .toBe(true);
  const name = (await tab.getAttribute('data-testid'))!.replace(/^logs-tab-/, '');
  return { tab, name };
}

describe('merged tail in the browser', () => {
  const lp = useLogsPage(emu);
  let page: Page;
  let problems: string[];

  beforeAll(() => {
    ({ page, problems } = lp());
  });

  it('opens a merged tab from a multi-selection; prefixes, mutes, solos, filters and saves across it', async () => {
    await page.goto(lp().launchUrl);
    await page.getByTestId('logs-sidebar').waitFor();
    await page.getByTestId('tenants-discover').click();
    await page.getByTestId('tenants-panel').getByTestId('tenant-item').filter({ hasText: 'initech' }).waitFor({ timeout: 15_000 });

    const form = page.getByTestId('logs-merged');
    await form.locator('summary').click();
    for (const c of ['acme-prod', 'globex', 'initech']) await form.locator(`[data-testid="logs-merged-pick"][data-tenant="${c}"]`).check();
    await expect.poll(() => form.getByTestId('logs-merged-open').textContent()).toBe('Open merged (3)');
    await screenshot(page, 'logs-merged-multiselect');
    await form.getByTestId('logs-merged-open').click();
    const { tab, name } = await mergedTab(page, ['acme-prod', 'globex', 'initech']);

    // Lines from every container, each after its container's name.
    for (const c of ['acme-prod', 'globex', 'initech']) emu().emitLog(c, { msg: `hello from ${c}`, level: 30, sandbox: true });
    emu().emitLog('globex', { msg: 'globex warns', level: 40 });
    await expect.poll(() => paneText(page, name), { timeout: 10_000 }).toContain('hello from initech');
    const text = await paneText(page, name);
    for (const c of ['acme-prod', 'globex', 'initech'])
      expect(text).toMatch(new RegExp(`^${c} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  ext hello from ${c}`, 'm'));
    await screenshot(page, 'logs-merged-lines');

    // Mute globex: its lines are read, not shown, and its chip counts them.
    const globex = tab.locator('[data-testid="logs-chip"][data-container="globex"]');
    await globex.getByTestId('logs-chip-mute').click();
    await expect.poll(() => globex.getAttribute('class')).toContain('muted');
    emu().emitLog('globex', { msg: 'globex while muted', level: 30 });
    emu().emitLog('acme-prod', { msg: 'acme while globex muted', level: 30 });
    await expect.poll(() => paneText(page, name), { timeout: 10_000 }).toContain('acme while globex muted');
    await expect.poll(() => globex.textContent(), { timeout: 10_000 }).toContain('1 muted');
    expect(await paneText(page, name)).not.toContain('globex while muted');
    await screenshot(page, 'logs-merged-muted');

    // Solo: a click on a chip shows that container alone; again, every container.
    await tab.locator('[data-testid="logs-chip"][data-container="initech"]').getByTestId('logs-chip-solo').click();
    await expect
      .poll(async () => {
        const t = await paneText(page, name);
        return t.includes('hello from initech') && !t.includes('hello from acme-prod');
      })
      .toBe(true);
    await screenshot(page, 'logs-merged-solo');
    await tab.locator('[data-testid="logs-chip"][data-container="initech"]').getByTestId('logs-chip-solo').click();
    await expect.poll(() => paneText(page, name)).toContain('hello from acme-prod');

    // The filter works across the merge.
    await tab.getByTestId('logs-level').selectOption('40');
    await expect
      .poll(async () => {
        const t = await paneText(page, name);
        return t.includes('globex warns') && !t.includes('hello from acme-prod');
      })
      .toBe(true);
    await tab.getByTestId('logs-level').selectOption('0');
    await tab.getByTestId('logs-filter').fill('hello from');
    await expect
      .poll(async () => {
        const t = await paneText(page, name);
        return t.includes('hello from globex') && !t.includes('acme while globex muted') && !t.includes('globex warns');
      })
      .toBe(true);
    await screenshot(page, 'logs-merged-filter');
    await tab.getByTestId('logs-filter').fill('');

    // Save: NDJSON, each line naming its container.
    const [download] = await Promise.all([page.waitForEvent('download'), tab.getByTestId('logs-save').click()]);
    const saved = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { container: string; msg?: string });
    const hello = saved.filter((r) => r.msg?.startsWith('hello from '));
    expect(hello.map((r) => `${r.container}:${r.msg}`).sort()).toEqual([
      'acme-prod:hello from acme-prod',
      'globex:hello from globex',
      'initech:hello from initech',
    ]);
    expect(saved.some((r) => r.msg === 'globex while muted')).toBe(false);
    expect(JSON.stringify(saved)).not.toContain(emu().masterToken);
    expect(problems).toEqual([]);
  });

  it('opens a merged tab from a name pattern, and from the containers running an extension', async () => {
    const form = page.getByTestId('logs-merged');
    await form.getByRole('button', { name: 'none' }).click();
    await form.getByTestId('logs-merged-pattern').fill('acme-*');
    await expect.poll(() => form.getByTestId('logs-merged-open').textContent()).toBe('Open merged (2)');
    await form.getByTestId('logs-merged-open').click();
    const { name } = await mergedTab(page, ['acme-prod', 'acme-staging']);
    emu().emitLog('acme-staging', { msg: 'staging by pattern', level: 30 });
    await expect.poll(() => paneText(page, name), { timeout: 10_000 }).toMatch(/^acme-staging .* staging by pattern/m);
    await screenshot(page, 'logs-merged-pattern');

    await form.getByTestId('logs-merged-pattern').fill('');
    await form.getByTestId('logs-merged-extension').fill('audit-logger');
    await form.getByTestId('logs-merged-find').click();
    await expect
      .poll(() => form.getByTestId('logs-merged-running').textContent(), { timeout: 15_000 })
      .toContain('audit-logger runs in 3 containers');
    await expect.poll(() => form.getByTestId('logs-merged-open').textContent()).toBe('Open merged (3)');
    await form.getByTestId('logs-merged-open').click();
    await mergedTab(page, ['acme-prod', 'acme-staging', 'initech']);
    await screenshot(page, 'logs-merged-extension');
    expect(problems).toEqual([]);
  });
});

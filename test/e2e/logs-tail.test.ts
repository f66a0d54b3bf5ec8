// The live tail in Chromium against the browser host and the emulator: two tails, an extension's
// lines in the right tab, pause / follow, filter, search, save; screenshots kept in test-artifacts/.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/browser';
import { useEmulator } from '../helpers/emulator';
import { paneText, useLogsPage } from '../helpers/logs-page';

const emu = useEmulator({ seed: 'demo', logPingMs: 1000 });

/** Polls until the pane shows every `yes` and no `no` (filters apply after a short debounce and a redraw). */
/** Clicks a string in a tail's pane, as a user hovering first (xterm's link layer needs the hover). */
async function clickInPane(page: Page, container: string, needle: string): Promise<void> {
  const cell = await page.evaluate(
    ([c, n]) =>
      (
        globalThis as unknown as {
          __escLogTails: Record<string, { cellOf(x: string): { col: number; row: number; cols: number; rows: number } | null }>;
        }
      ).__escLogTails[c!]!.cellOf(n!),
    [container, needle],
  );
  expect(cell).not.toBeNull();
  const box = (await page.getByTestId(`logs-tab-${container}`).locator('.xterm-screen').boundingBox())!;
  const x = box.x + ((cell!.col + 3) * box.width) / cell!.cols;
  const y = box.y + ((cell!.row + 0.5) * box.height) / cell!.rows;
  await page.mouse.move(x, y);
  await page.waitForTimeout(150);
  await page.mouse.move(x + 2, y);
  await page.waitForTimeout(150);
  await page.mouse.click(x + 2, y);
}

async function shows(page: Page, container: string, yes: string[], no: string[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const t = await paneText(page, container);
        return yes.every((x) => t.includes(x)) && no.every((x) => !t.includes(x));
      },
      { timeout: 10_000 },
    )
    .toBe(true);
}

describe('live tail in the browser', () => {
  const lp = useLogsPage(emu);
  let page: Page;
  let problems: string[];

  beforeAll(() => {
    ({ page, problems } = lp());
  });

  it('opens two tails, shows an extension run in the right tab, pauses, filters, searches and saves', async () => {
    await page.goto(lp().launchUrl);
    await page.getByTestId('logs-sidebar').waitFor();

    // Two tails, by container name.
    for (const c of ['acme-prod', 'acme-staging']) {
      await page.getByTestId('logs-container-input').fill(c);
      await page.getByTestId('logs-open').click();
      await expect
        .poll(() => page.getByTestId(`logs-tab-${c}`).getByTestId('logs-state').textContent(), { timeout: 10_000 })
        .toBe('connected');
    }

    // Run an extension of acme-prod: its console output arrives in that tab, not the other.
    // A unique probe: both tenants have an audit-logger whose cron may fire during the test.
    const probe = `e2e-${Date.now()}`;
    const run = await fetch(`${emu().url}/api/run/acme-prod/audit-logger?probe=${probe}`, {
      method: 'POST',
      signal: AbortSignal.timeout(10_000),
    });
    expect(run.status).toBe(200);
    await page.locator('[data-testid="tab"][data-tab$=":acme-prod"][data-tab^="logs:"] button.link').click();
    const prod = page.getByTestId('logs-tab-acme-prod');
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 10_000 }).toContain(probe);
    expect(await paneText(page, 'acme-prod')).toContain('audit: audit called with query');
    expect(await paneText(page, 'acme-prod')).toContain('audit: client ip');
    await page.locator('[data-testid="tab"][data-tab$=":acme-staging"][data-tab^="logs:"] button.link').click();
    await page.waitForTimeout(300);
    expect(await paneText(page, 'acme-staging')).not.toContain(probe);
    await screenshot(page, 'logs-two-tabs-staging');
    await page.locator('[data-testid="tab"][data-tab$=":acme-prod"][data-tab^="logs:"] button.link').click();
    await screenshot(page, 'logs-extension-run');

    // Pause: lines keep arriving and wait, counted; follow writes them.
    await prod.getByTestId('logs-pause').click();
    for (let i = 1; i <= 25; i++) emu().emitLog('acme-prod', { msg: `while paused ${i}`, level: 30, sandbox: true });
    await expect.poll(() => prod.getByTestId('logs-follow').textContent(), { timeout: 10_000 }).toContain('25 waiting');
    expect(await paneText(page, 'acme-prod')).not.toContain('while paused 25');
    await expect(prod.getByTestId('logs-jump').textContent()).resolves.toContain('25 new');
    await screenshot(page, 'logs-paused');
    await prod.getByTestId('logs-jump').click();
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 10_000 }).toContain('while paused 25');

    // Filter: minimum level, text, regex, extension output only.
    emu().emitLog('acme-prod', { msg: 'platform says hello', level: 30 });
    emu().emitLog('acme-prod', { msg: 'ext error: payment failed', level: 50, sandbox: true });
    emu().emitLog('acme-prod', { msg: 'ext debug: cache miss', level: 20, sandbox: true });
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 10_000 }).toContain('cache miss');
    await prod.getByTestId('logs-level').selectOption('50');
    await shows(page, 'acme-prod', ['payment failed'], ['cache miss', 'platform says hello']);
    await screenshot(page, 'logs-filter-error-level');
    await prod.getByTestId('logs-level').selectOption('0');
    await prod.getByTestId('logs-sandbox').check();
    await shows(page, 'acme-prod', ['cache miss', 'payment failed'], ['platform says hello']);
    await prod.getByTestId('logs-sandbox').uncheck();
    await prod.getByTestId('logs-regex').check();
    await prod.getByTestId('logs-filter').fill('^(platform|ext debug)');
    await shows(page, 'acme-prod', ['platform says hello', 'cache miss'], ['payment failed']);
    await prod.getByTestId('logs-filter').fill('(');
    await expect.poll(() => prod.getByTestId('logs-filter').getAttribute('aria-invalid')).toBe('true');
    await prod.getByTestId('logs-filter').fill('');
    await prod.getByTestId('logs-regex').uncheck();
    await expect.poll(() => paneText(page, 'acme-prod')).toContain('payment failed');

    // Search: the addon finds and highlights.
    await prod.getByTestId('logs-search').fill('payment');
    await prod.getByTestId('logs-search').press('Enter');
    await expect.poll(() => prod.getByTestId('logs-search-results').textContent()).toMatch(/^(1\/1|1 match)$/);
    await screenshot(page, 'logs-search');

    // Save: the whole kept buffer as NDJSON (a download in the browser host).
    const [download] = await Promise.all([page.waitForEvent('download'), prod.getByTestId('logs-save').click()]);
    expect(download.suggestedFilename()).toMatch(/^logs-acme-prod-.*\.ndjson$/);
    const saved = readFileSync((await download.path())!, 'utf8');
    expect(saved).toContain('payment failed');
    expect(saved).toContain('while paused 25');
    expect(saved).not.toContain(emu().masterToken);
    for (const line of saved.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    expect(problems).toEqual([]);
  });

  it('opens http(s) links only after the user confirms, and never other schemes', async () => {
    const prod = page.getByTestId('logs-tab-acme-prod');
    await prod.getByTestId('logs-filter').fill('');
    await prod.getByTestId('logs-clear').click();
    emu().emitLog('acme-prod', { msg: 'docs at https://docs.example.test/errors/42 for details', level: 30 });
    emu().emitLog('acme-prod', { msg: 'evil javascript:alert(1) and file:///etc/passwd here', level: 30 });
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 10_000 }).toContain('file:///etc/passwd');
    const dialogs: string[] = [];
    const popups: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss(); // the user says no
    });
    page.context().on('page', (p) => popups.push(p.url()));
    const clickText = (needle: string) => clickInPane(page, 'acme-prod', needle);
    await clickText('https://docs.example.test');
    await expect.poll(() => dialogs.length, { timeout: 5_000 }).toBe(1);
    expect(dialogs[0]).toContain('https://docs.example.test/errors/42');
    await clickText('javascript:alert');
    await clickText('file:///etc/passwd');
    await page.waitForTimeout(500);
    expect(dialogs.length).toBe(1);
    expect(popups).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('names the extension that wrote each line: a column, filterable, a click opens the extension', async () => {
    const prod = page.getByTestId('logs-tab-acme-prod');
    await prod.getByTestId('logs-clear').click();
    emu().emitLog('acme-prod', { msg: 'charged card 42', level: 30, sandbox: true, webtask: 'counter' });
    emu().emitLog('acme-prod', { msg: 'sent mail 7', level: 30, sandbox: true, webtask: 'mailer' });
    // A customer's text that imitates the column does not become a link: "mailer2" wrote nothing.
    emu().emitLog('acme-prod', { msg: 'mailer2 pretends', level: 30 });
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 10_000 }).toMatch(/ext counter charged card 42/);
    expect(await paneText(page, 'acme-prod')).toMatch(/ext mailer sent mail 7/);
    await prod.getByTestId('logs-extension').fill('mailer');
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 5_000 }).not.toContain('charged card 42');
    expect(await paneText(page, 'acme-prod')).toContain('sent mail 7');
    await prod.getByTestId('logs-extension').fill('');
    await prod.getByTestId('logs-filter').fill('counter');
    await expect.poll(() => paneText(page, 'acme-prod'), { timeout: 5_000 }).not.toContain('sent mail 7');
    expect(await paneText(page, 'acme-prod')).toContain('charged card 42');
    await screenshot(page, 'logs-extension-column');
    await clickInPane(page, 'acme-prod', 'counter charged');
    await expect
      .poll(() => page.getByTestId('webtask-view').and(page.locator('[data-name="counter"]')).count(), { timeout: 10_000 })
      .toBe(1);
    expect(problems).toEqual([]);
  });
});

// The diagnostics log in Chromium, against the browser host and the emulator: filter to one tenant's
// 5xx, open the extension from an entry, repeat the call, export the filtered view.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationEntry } from '../../common/contract';
import { screenshot } from '../helpers/browser';
import { callOk } from '../helpers/host';
import { expectNoSecretInFrames, openWebStand, type WebStand } from '../helpers/web-stand';

describe('diagnostics log in the browser host', () => {
  let stand: WebStand;
  let h: WebStand['h'];
  let page: Page;

  beforeAll(async () => {
    stand = await openWebStand({
      viewport: { width: 1500, height: 900 },
      onEmulator: (e) => e.setStatsHeader('s-auth0-stats', { container: 'initech', name: 'hello' }),
    });
    ({ h, page } = stand);
    // Earlier work of the engineer: calls across tenants, two of them failing with 500 in two tenants.
    for (const [container, name] of [
      ['initech', 'hello'],
      ['initech', 'legacy-sync'],
      ['acme-staging', 'legacy-sync'],
      ['globex', 'echo'],
    ] as const) {
      await callOk(h.host, 'webtasks.invoke', { container, name });
    }
  }, 60_000);

  afterAll(async () => {
    await stand?.close();
  });

  it("filters to one tenant's 5xx, opens the extension from the entry, repeats the call, exports the filtered view", async () => {
    await page.goto(h.web!.launchUrl);
    // The first view runs discovery of the embedded emulator: it is in the log too.
    await page.getByTestId('tenant-item').filter({ hasText: 'globex' }).first().waitFor();
    await page.getByTestId('diag-open-log').click();
    const view = page.getByTestId('diag-view');
    await expect.poll(() => view.getByTestId('diag-row').count()).toBe(5);
    expect(await view.locator('[data-testid=diag-row][data-kind=discovery]').count()).toBe(1);
    expect(await view.getByTestId('diag-store-statement').textContent()).toMatch(
      /at most 32 MB: the log starts a new file at 8 MB and keeps 3 older files; the oldest is deleted/,
    );
    // Either stats header name is shown as it came.
    const hello = view.locator('[data-testid=diag-row][data-extension=hello]');
    expect(await hello.textContent()).toContain('s-auth0-stats');
    expect(await view.locator('[data-testid=diag-row][data-extension=echo]').textContent()).toContain('x-auth0-stats');
    await screenshot(page, 'diagnostics-01-all');

    await view.getByTestId('diag-tenant').selectOption('initech');
    await view.getByTestId('diag-status').selectOption('5xx');
    await expect.poll(() => view.getByTestId('diag-row').count()).toBe(1);
    const row = view.getByTestId('diag-row');
    expect(await row.getAttribute('data-tenant')).toBe('initech');
    expect(await row.getAttribute('data-extension')).toBe('legacy-sync');
    expect(await row.getAttribute('data-status')).toBe('500');
    await row.click();
    const detail = view.getByTestId('diag-detail');
    expect(await detail.getByTestId('diag-stats').getAttribute('data-header')).toBe('x-auth0-stats');
    expect(await detail.textContent()).toMatch(/extension's own code produced this response; it reported an error/);
    await screenshot(page, 'diagnostics-02-initech-5xx');

    // Export the filtered view, as JSON lines and as CSV.
    const [jsonl] = await Promise.all([page.waitForEvent('download'), view.getByTestId('diag-export-jsonl').click()]);
    expect(jsonl.suggestedFilename()).toMatch(/^diagnostics-.*\.jsonl$/);
    const lines = readFileSync((await jsonl.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InvocationEntry);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      kind: 'invocation',
      tenant: 'initech',
      extension: 'legacy-sync',
      status: 500,
      diagnostics: { source: 'webtask', statsHeader: 'x-auth0-stats' },
    });
    const [csv] = await Promise.all([page.waitForEvent('download'), view.getByTestId('diag-export-csv').click()]);
    const rows = readFileSync((await csv.path())!, 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(',initech,legacy-sync,GET,/,500,');

    // Repeat the call from the entry: a new entry joins the filtered view.
    await detail.getByTestId('diag-repeat').click();
    await expect.poll(() => detail.getByTestId('diag-repeat-result').textContent()).toMatch(/Repeated: HTTP 500/);
    await expect.poll(() => view.getByTestId('diag-row').count()).toBe(2);
    await screenshot(page, 'diagnostics-03-repeated');

    // Open the extension from the entry.
    await detail.getByTestId('diag-open').click();
    const wt = page.locator('[data-testid=webtask-view][data-name=legacy-sync]');
    await wt.getByTestId('claims').waitFor();
    expect(await wt.locator('h1').textContent()).toBe('initech/legacy-sync');
    await screenshot(page, 'diagnostics-04-opened-extension');

    // Nothing secret reached the page.
    expectNoSecretInFrames(stand);
  }, 90_000);
});

// Recording a tail to disk in Chromium against the browser host and the emulator: the Record button,
// the indicator counting lines, lines recorded while the pane is paused, the stop; the file is read
// back from the browser host's data dir. Screenshot: test-artifacts/logs-record.png.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { useEmulator } from '../helpers/emulator';
import { webHostOnEmulator } from '../helpers/logs';

const emu = useEmulator({ seed: 'demo', logPingMs: 1000 });

describe('recording a tail in the browser', () => {
  let web: Awaited<ReturnType<typeof webHostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    web = await webHostOnEmulator(emu());
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    page = await ctx.newPage();
    problems = recordProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('records every line to a file while the pane is paused, with a live indicator, until stopped', async () => {
    await page.goto(web.web.launchUrl);
    await page.getByTestId('logs-sidebar').waitFor();
    await page.getByTestId('logs-container-input').fill('acme-prod');
    await page.getByTestId('logs-open').click();
    const tab = page.getByTestId('logs-tab-acme-prod');
    await expect.poll(() => tab.getByTestId('logs-state').textContent(), { timeout: 10_000 }).toBe('connected');

    await tab.getByTestId('logs-record').click();
    await tab.getByTestId('logs-recording').waitFor();
    expect(await tab.getByTestId('logs-record').textContent()).toContain('Stop recording');
    // Paused: the pane waits, the recording does not.
    await tab.getByTestId('logs-pause').click();
    for (let i = 1; i <= 300; i++) emu().emitLog('acme-prod', { msg: `recorded line #${i}`, level: 30, sandbox: true });
    const recorded = async () =>
      Number(/REC ([\d,]+) lines/.exec((await tab.getByTestId('logs-recording').textContent()) ?? '')?.[1]?.replace(/,/g, ''));
    await expect.poll(recorded, { timeout: 10_000 }).toBeGreaterThanOrEqual(300);
    expect(await tab.getByTestId('logs-recording').textContent()).toContain('(100 MB × 5');
    await screenshot(page, 'logs-record');

    await tab.getByTestId('logs-record').click();
    await expect.poll(() => tab.getByTestId('logs-record').textContent(), { timeout: 10_000 }).toContain('Record');
    expect(await tab.getByTestId('logs-recording').count()).toBe(0);
    const dir = join(web.deps.dataDir, 'recordings');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^logs-acme-prod-.*\.ndjson$/);
    const lines = readFileSync(join(dir, files[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { container: string; record?: { msg?: string } });
    const msgs = lines.map((l) => l.record?.msg);
    for (let i = 1; i <= 300; i++) expect(msgs).toContain(`recorded line #${i}`);
    expect(lines.every((l) => l.container === 'acme-prod')).toBe(true);
    expect(readFileSync(join(dir, files[0]!), 'utf8')).not.toContain(emu().masterToken);
    expect(problems).toEqual([]);
  });
});

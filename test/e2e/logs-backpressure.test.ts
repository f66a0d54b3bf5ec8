// Back-pressure from the pane to the socket, in Chromium: a paused pane buffers (counted) up to its
// cap, then stops acknowledging; the core stops sending, its queue fills, it stops reading the
// socket (status: "pane behind"). Following again drains everything: every line painted once, in order.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { useEmulator } from '../helpers/emulator';
import { webHostOnEmulator } from '../helpers/logs';

const emu = useEmulator({ seed: 'empty', logPingMs: 1000, logBufferSize: 200_000 });

type Win = {
  __escLogDebug: boolean;
  __escLogProbe: (i: { lines: Array<{ msg: string }> }) => void;
  __painted: { seqs: number[] };
  __escLogTails: Record<
    string,
    { snapshot(): { waiting: number; status: { backpressure: boolean; queued: number; dropped: number; gaps: number } | null } }
  >;
};

const snap = (page: Page) => page.evaluate(() => (globalThis as unknown as Win).__escLogTails['flow']!.snapshot());

describe('back-pressure from the pane', () => {
  let web: Awaited<ReturnType<typeof webHostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    web = await webHostOnEmulator(emu(), 'flow');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
    await page.addInitScript(() => {
      const w = globalThis as unknown as Win;
      w.__escLogDebug = true;
      w.__painted = { seqs: [] };
      w.__escLogProbe = ({ lines }) => {
        for (const l of lines) {
          const m = /line (\d+)$/.exec(l.msg);
          if (m) w.__painted.seqs.push(Number(m[1]));
        }
      };
    });
    problems = recordProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('a paused pane holds the stream back down to the socket, then drains with no loss', async () => {
    await page.goto(web.web.launchUrl);
    await page.getByTestId('logs-container-input').fill('flow');
    await page.getByTestId('logs-open').click();
    const tab = page.getByTestId('logs-tab-flow');
    await expect.poll(() => tab.getByTestId('logs-state').textContent(), { timeout: 10_000 }).toBe('connected');
    await tab.getByTestId('logs-pause').click();

    const TOTAL = 120_000;
    const flood = emu().flood('flow', 40_000, TOTAL);
    // Paused: lines wait in the page up to its cap (50,000), then the core and the socket hold back.
    await expect.poll(async () => (await snap(page)).status?.backpressure ?? false, { timeout: 30_000 }).toBe(true);
    const held = await snap(page);
    expect(held.waiting).toBeGreaterThanOrEqual(50_000);
    // Past the cap the page stops acking; what was already in flight (the core's 2 MB credit window,
    // ~75 bytes per short line) still lands.
    expect(held.waiting).toBeLessThan(50_000 + (2 * 1024 * 1024) / 48);
    expect(held.status!.queued).toBeGreaterThan(1_000);
    await expect.poll(() => tab.getByTestId('logs-status').textContent(), { timeout: 5_000 }).toContain('pane behind: socket paused');
    expect(await tab.getByTestId('logs-follow').textContent()).toMatch(/waiting/);
    await screenshot(page, 'logs-backpressure');
    expect(await page.evaluate(() => (globalThis as unknown as Win).__painted.seqs.length)).toBe(0);

    // Follow again: everything drains, painted once and in order.
    await tab.getByTestId('logs-follow').click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as Win).__painted.seqs.length), { timeout: 60_000 }).toBe(TOTAL);
    expect(flood.sent).toBe(TOTAL);
    const ordered = await page.evaluate(() => {
      const s = (globalThis as unknown as Win).__painted.seqs;
      return s.every((v, i) => v === i + 1);
    });
    expect(ordered).toBe(true);
    const end = await snap(page);
    expect(end.status!.dropped).toBe(0);
    expect(end.status!.gaps).toBe(0);
    expect(problems).toEqual([]);
  });
});

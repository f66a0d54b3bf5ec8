// For e2e tests of log tabs: the browser host on the emulator and a Chromium page whose panes expose
// their text (the test-only debug hook), opened before and closed after a test file.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, recordProblems } from './browser';
import { webHostOnEmulator } from './logs';

export interface LogsPage {
  page: Page;
  launchUrl: string;
  /** Console errors and failed requests the page had (tests expect none). */
  problems: string[];
}

/** Registers beforeAll/afterAll hooks; call the result inside tests. */
export function useLogsPage(emu: () => { url: string; masterToken: string }): () => LogsPage {
  let web: Awaited<ReturnType<typeof webHostOnEmulator>> | undefined;
  let browser: Browser | undefined;
  let state: LogsPage | undefined;
  beforeAll(async () => {
    web = await webHostOnEmulator(emu());
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 860 }, acceptDownloads: true });
    const page = await ctx.newPage();
    await page.addInitScript(() => ((globalThis as unknown as { __escLogDebug: boolean }).__escLogDebug = true));
    state = { page, launchUrl: web.web.launchUrl, problems: recordProblems(page) };
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });
  return () => {
    if (!state) throw new Error('the page is not open yet: call it inside a test');
    return state;
  };
}

/** The text xterm holds for a tab (its whole buffer), by the tab's name (its container, or a merged tab's label). */
export async function paneText(page: Page, name: string): Promise<string> {
  return page.evaluate(
    (c) => (globalThis as unknown as { __escLogTails?: Record<string, { text(): string }> }).__escLogTails?.[c]?.text() ?? '',
    name,
  );
}

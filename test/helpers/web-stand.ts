// The stand of the browser-host e2e tests: the demo emulator, the console's web host on it (built
// renderer in out/), and one Chromium page that records its WebSocket frames and its problems.
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index';
import { launchBrowser, recordFrames, recordProblems } from './browser';
import { hostOnEmulator } from './host';

export interface WebStand {
  emu: Emulator;
  h: Awaited<ReturnType<typeof hostOnEmulator>>;
  browser: Browser;
  page: Page;
  /** Every WebSocket frame the page sent or received. */
  frames: string[];
  /** Console errors and failed requests of the page. */
  problems: string[];
  close(): Promise<void>;
}

export async function openWebStand(opts: {
  viewport: { width: number; height: number };
  /** Set-up of the emulator before the host starts on it (stats headers, faults). */
  onEmulator?: (emu: Emulator) => void;
}): Promise<WebStand> {
  const emu = await startEmulator({ port: 0, seed: 'demo', quiet: true });
  let h: WebStand['h'] | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await h?.close();
    await emu.close();
  };
  try {
    opts.onEmulator?.(emu);
    h = await hostOnEmulator(emu, { web: true, requestTimeoutMs: 10_000 });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: opts.viewport, acceptDownloads: true });
    return { emu, h, browser, page, frames: recordFrames(page), problems: recordProblems(page), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Nothing secret reached the page over its WebSocket, and the page had no problem. */
export function expectNoSecretInFrames(stand: Pick<WebStand, 'emu' | 'frames' | 'problems'>): void {
  expect(stand.frames.filter((f) => f.includes(stand.emu.masterToken))).toEqual([]);
  expect(stand.frames.filter((f) => /"token":/.test(f))).toEqual([]);
  expect(stand.problems).toEqual([]);
}

// Hostile log lines in the real pane: escape sequences arrive through the emulator's stream, and the
// page title, the clipboard and the screen are untouched; the sequences are visible, inert text.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { useEmulator } from '../helpers/emulator';
import { webHostOnEmulator } from '../helpers/logs';

const emu = useEmulator({ seed: 'empty', logPingMs: 1000 });

const HOSTILE = [
  'clipboard: \x1b]52;c;cm0gLXJmIH4vKg==\x07 done',
  'title: \x1b]0;PWNED BY LOG\x07 \x1b]2;PWNED 2\x1b\\ done',
  'link: \x1b]8;;https://evil.example/\x1b\\innocent\x1b]8;;\x1b\\ done',
  'clear: \x1b[2J\x1b[3J\x1b[H\x1bc done',
  'cursor: \x1b[999A\x1b[999D\x1b7\x1b8 done',
  'bell: \x07\x07\x07 done',
  'c1: \x9b2J \x9d0;C1 TITLE\x9c done',
  'alt screen: \x1b[?1049h done',
  'query: \x1b[6n\x1b[c\x1bP+q544e\x1b\\ done',
  'overwrite: all good\rHACKED done',
];

type Win = { __escLogTails?: Record<string, { text(): string }>; __clipWrites: string[] };

const paneText = (page: Page, c: string) => page.evaluate((c2) => (globalThis as unknown as Win).__escLogTails?.[c2]?.text() ?? '', c);

describe('hostile lines in the pane', () => {
  let web: Awaited<ReturnType<typeof webHostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    web = await webHostOnEmulator(emu(), 'victim');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.addInitScript(() => {
      const w = globalThis as unknown as Win & { __escLogDebug: boolean };
      w.__escLogDebug = true;
      // Record any clipboard write the page might attempt.
      w.__clipWrites = [];
      const clip = navigator.clipboard;
      if (clip) {
        clip.writeText = async (t: string) => void w.__clipWrites.push(t);
        clip.write = async () => void w.__clipWrites.push('[write]');
      }
    });
    problems = recordProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('keeps title, clipboard and screen untouched and shows the sequences as inert text', async () => {
    await page.goto(web.web.launchUrl);
    await page.getByTestId('logs-sidebar').waitFor();
    const title = await page.title();
    await page.getByTestId('logs-container-input').fill('victim');
    await page.getByTestId('logs-open').click();
    const tab = page.getByTestId('logs-tab-victim');
    await expect.poll(() => tab.getByTestId('logs-state').textContent(), { timeout: 10_000 }).toBe('connected');

    emu().emitLog('victim', { msg: 'BEFORE the attack', level: 30, sandbox: true });
    for (const msg of HOSTILE) emu().emitLog('victim', { msg, level: 40, sandbox: true, extra: msg });
    // Raw, non-JSON data lines carry the bytes too (the emulator always sends JSON; this is a record
    // whose msg is not a string, rendered as JSON text).
    emu().emitLog('victim', { msg: 'AFTER the attack', level: 30, sandbox: true });
    await expect.poll(() => paneText(page, 'victim'), { timeout: 10_000 }).toContain('AFTER the attack');
    // Pretty JSON view renders the hostile fields too: still inert.
    await tab.getByTestId('logs-pretty').check();
    await expect
      .poll(() => paneText(page, 'victim'), { timeout: 10_000 })
      .toContain('"extra": "clipboard: \\u001b]52;c;cm0gLXJmIH4vKg==\\u0007 done"');
    expect(await paneText(page, 'victim')).toContain('"hostname": ');
    await screenshot(page, 'logs-hostile-pretty');
    await tab.getByTestId('logs-pretty').uncheck();
    await page.waitForTimeout(300);
    await screenshot(page, 'logs-hostile');

    const text = await paneText(page, 'victim');
    // The screen was not cleared or rewritten: the first line is still there, in order.
    expect(text.indexOf('BEFORE the attack')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('BEFORE the attack')).toBeLessThan(text.indexOf('AFTER the attack'));
    // Every sequence is visible as text.
    for (const shown of [
      '\\x1b]52;c;cm0gLXJmIH4vKg==\\x07',
      '\\x1b]0;PWNED BY LOG\\x07',
      '\\x1b]8;;https://evil.example/',
      '\\x1b[2J\\x1b[3J\\x1b[H\\x1bc',
      '\\x1b[999A',
      '\\x07\\x07\\x07',
      '\\x9b2J',
      '\\x9d0;C1 TITLE\\x9c',
      '\\x1b[?1049h',
      '\\x1b[6n',
      'all good\\x0dHACKED',
    ]) {
      expect(text).toContain(shown);
    }
    for (const line of HOSTILE) expect(text).toContain(line.split(':')[0] + ':');
    expect((text.match(/ done/g) ?? []).length).toBeGreaterThanOrEqual(HOSTILE.length);
    // Nothing executed.
    expect(await page.title()).toBe(title);
    expect(await page.evaluate(() => (globalThis as unknown as Win).__clipWrites)).toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('.xterm-screen a, a[href*="evil"]').length)).toBe(0);
    // Still the normal screen buffer, still following.
    expect(await tab.getByTestId('logs-pause').isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('falls back to the DOM renderer when the WebGL context is lost, keeping the lines', async () => {
    const p2 = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const problems2 = recordProblems(p2);
    await p2.addInitScript(() => {
      const w = globalThis as unknown as { __escLogDebug: boolean; __escLogRenderer: string };
      w.__escLogDebug = true;
      w.__escLogRenderer = 'webgl'; // forced: this machine has no GPU, the pane would pick DOM itself
    });
    await p2.goto(web.web.launchUrl);
    await p2.getByTestId('logs-container-input').fill('gl');
    await p2.getByTestId('logs-open').click();
    const tab = p2.getByTestId('logs-tab-gl');
    await expect.poll(() => tab.getByTestId('logs-state').textContent(), { timeout: 10_000 }).toBe('connected');
    expect(await tab.getByTestId('logs-renderer').textContent()).toBe('WebGL renderer');
    emu().emitLog('gl', { msg: 'drawn by WebGL', level: 30 });
    await expect.poll(() => paneText(p2, 'gl'), { timeout: 10_000 }).toContain('drawn by WebGL');
    // Lose the context the way a GPU reset does.
    const lost = await p2.evaluate(() => {
      for (const c of document.querySelectorAll('[data-testid="logs-tab-gl"] canvas')) {
        const gl = (c as HTMLCanvasElement).getContext('webgl2');
        const ext = gl?.getExtension('WEBGL_lose_context');
        if (ext) {
          ext.loseContext();
          return true;
        }
      }
      return false;
    });
    expect(lost).toBe(true);
    await expect.poll(() => tab.getByTestId('logs-renderer').textContent(), { timeout: 15_000 }).toBe('DOM renderer');
    expect(await tab.getByTestId('logs-renderer').getAttribute('title')).toBe('WebGL context lost');
    emu().emitLog('gl', { msg: 'drawn by the DOM renderer', level: 30 });
    await expect.poll(() => paneText(p2, 'gl'), { timeout: 10_000 }).toContain('drawn by the DOM renderer');
    expect(await paneText(p2, 'gl')).toContain('drawn by WebGL');
    await expect.poll(() => tab.locator('.xterm-rows').innerText(), { timeout: 5_000 }).toContain('drawn by the DOM renderer');
    await screenshot(p2, 'logs-webgl-lost-dom');
    expect(problems2).toEqual([]);
    await p2.close();
  });
});

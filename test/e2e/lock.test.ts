// Lock and Unlock in Chromium against the browser host and the embedded emulator: the button says which
// state the console is in (also after a reload), a profile action answers "locked", and unlock
// provisions the embedded profile again and names the session-only profile whose token is gone.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordFrames, recordProblems, screenshot } from '../helpers/browser';
import { useEmulator } from '../helpers/emulator';
import { callOk } from '../helpers/host';
import { webHostOnEmulator } from '../helpers/logs';

const emu = useEmulator({ seed: 'demo' });

describe('lock and unlock in the browser host', () => {
  let web: Awaited<ReturnType<typeof webHostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let frames: string[];
  let problems: string[];

  beforeAll(async () => {
    web = await webHostOnEmulator(emu());
    // A second profile whose token is kept for this session only: a lock loses it for good.
    await callOk(web.host, 'profiles.save', { name: 'Session only', url: emu().url, container: 'globex', token: emu().masterToken });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    frames = recordFrames(page);
    problems = recordProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  const toggle = () => page.getByTestId('lock-toggle');
  const embedded = () => page.getByTestId('profile-item').filter({ hasText: 'Local emulator' });

  it('lock: the button reads Unlock (also after a reload) and a profile action says locked; unlock: the embedded profile works again', async () => {
    await page.goto(web.web.launchUrl);
    await expect.poll(() => toggle().textContent()).toBe('Lock');
    await embedded().waitFor();

    await toggle().click();
    await expect.poll(() => toggle().textContent()).toBe('Unlock');
    await embedded().getByTestId('profile-test').click();
    await expect.poll(() => page.getByTestId('notice').allTextContents()).toContainEqual(expect.stringContaining('The console is locked'));
    await screenshot(page, 'lock-locked');

    // The state comes from the host, not from the page: a reload still shows Unlock.
    await page.reload();
    await expect.poll(() => toggle().textContent()).toBe('Unlock');

    await toggle().click();
    await expect.poll(() => toggle().textContent()).toBe('Lock');
    await expect
      .poll(() => page.getByTestId('notice').allTextContents())
      .toContainEqual(
        expect.stringContaining('"Session only": its token was kept for this session only, so the lock dropped it: enter it again.'),
      );
    await embedded().getByTestId('profile-test').click();
    await expect.poll(() => embedded().getByTestId('connection-result').getAttribute('data-outcome')).toBe('ok');
    await screenshot(page, 'lock-unlocked');

    expect(frames.length).toBeGreaterThan(5);
    expect(frames.filter((f) => f.includes(emu().masterToken))).toEqual([]);
    expect(problems).toEqual([]);
  });
});

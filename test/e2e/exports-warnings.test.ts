// A migrated export job with a misspelt setting: the console names the ignored setting, with the
// closest known name, next to the job (Chromium against the browser host and the emulator).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordProblems, screenshot } from '../helpers/browser';
import { api, useEmulator } from '../helpers/emulator';
import { hostOnEmulator } from '../helpers/host';

const emu = useEmulator({ seed: 'demo' });
const TENANT = 'acme-prod';
const TYPO_JOB = 'logs-to-logstash-typo';

describe('export job settings warnings in the browser', () => {
  let web: Awaited<ReturnType<typeof hostOnEmulator>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    web = await hostOnEmulator(emu(), { web: true, container: TENANT });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1500, height: 1000 } })).newPage();
    problems = recordProblems(page);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('shows "did you mean SLACK_INCOMING_WEBHOOK?" next to the job whose settings hold SLACK_INCOMING_WEBHOK, and nothing next to the others', async () => {
    // A copy of the demo Logstash job, migrated with a misspelt Slack setting (its value a secret URL).
    const ext = await api<{ code: string; meta: Record<string, string>; secrets: Record<string, string> }>(
      emu(),
      `/api/webtask/${TENANT}/logs-to-logstash?decrypt=true&fetch_code=true`,
    );
    const { SLACK_INCOMING_WEBHOOK: _right, ...rest } = ext.body.secrets;
    const secrets = { ...rest, SLACK_INCOMING_WEBHOK: `${emu().url}/dest/slack/T0/B0/typo-secret-hook` };
    const put = await api(emu(), `/api/webtask/${TENANT}/${TYPO_JOB}`, {
      method: 'PUT',
      body: { code: ext.body.code, meta: ext.body.meta, secrets },
    });
    expect(put.status).toBeLessThan(300);

    await page.goto(web.web!.launchUrl);
    await page.getByTestId('exports-panel').waitFor();
    await page.getByTestId('exports-tenant-input').fill(TENANT);
    await page.getByTestId('exports-tenant-input').press('Enter');
    const typo = page.locator(`[data-testid="export-job"][data-job="${TYPO_JOB}"]`);
    await typo.waitFor({ timeout: 15_000 });
    const warnings = typo.getByTestId('export-job-warnings');
    await warnings.waitFor();
    expect(await warnings.textContent()).toBe('unknown setting "SLACK_INCOMING_WEBHOK" is ignored: did you mean SLACK_INCOMING_WEBHOOK?');
    expect(await page.locator('[data-testid="export-job"][data-job="logs-to-logstash"]').getByTestId('export-job-warnings').count()).toBe(
      0,
    );
    // Names only: the setting's value (a webhook URL) never reaches the page.
    expect(await page.content()).not.toContain('typo-secret-hook');
    await screenshot(page, 'exports-job-warnings');
    expect(problems).toEqual([]);
  });
});

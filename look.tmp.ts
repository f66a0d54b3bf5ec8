import { chromium } from 'playwright-core';
const url = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1280, height: 800 } });
p.on('pageerror', e => console.log('PAGEERR', e.message));
await p.goto(url);
await p.getByTestId('tenant-item').first().waitFor();
for (const t of ['acme-prod','acme-staging','globex','initech']) {
  await p.locator(`[data-testid=tenant-item][data-tenant="${t}"] button.link`).click();
  await p.locator(`[data-testid=exports-tenant][data-tenant="${t}"]`).click();
}
await p.waitForTimeout(1000);
await p.screenshot({ path: '/tmp/uishots/tabs.png' });
await p.keyboard.press('Control+k');
await p.getByTestId('palette-input').fill('glo');
await p.waitForTimeout(300);
await p.screenshot({ path: '/tmp/uishots/palette.png' });
await b.close();

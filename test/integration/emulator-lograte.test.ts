/** `npm run emulator -- --log-rate R`: the demo tenants' Auth0 logs grow at the chosen rate. */
import { describe, expect, it } from 'vitest';
import { demoAuth0Credentials } from '../../emulator/auth0/index';
import { startEmulator } from '../../emulator/index';

/** Walks checkpoint pages from `from`; returns how many logs and the last id. Waits out 429s (bounded). */
async function walk(base: string, tenant: string, from: string): Promise<{ count: number; last: string }> {
  const { clientId, clientSecret } = demoAuth0Credentials(tenant);
  const tok = await fetch(`${base}/auth0/${tenant}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience: `${base}/auth0/${tenant}/api/v2/`,
    }),
  });
  expect(tok.status).toBe(200);
  const { access_token } = (await tok.json()) as { access_token: string };
  let count = 0;
  let last = from;
  // Bounded walk of checkpoint pages (100 each).
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${base}/auth0/${tenant}/api/v2/logs?from=${last}&take=100`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    if (res.status === 429) {
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    expect(res.status).toBe(200);
    const page = (await res.json()) as Array<{ log_id: string }>;
    if (page.length === 0) break;
    count += page.length;
    last = page.at(-1)!.log_id;
  }
  return { count, last };
}

describe('emulator logRate', () => {
  it('demo tenants generate events at the chosen rate', async () => {
    const emu = await startEmulator({ port: 0, seed: 'demo', quiet: true, logRate: 200 });
    try {
      const tenant = emu.tenants()[0]!;
      const head = await walk(emu.url, tenant, '0');
      expect(head.count).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1500));
      const added = await walk(emu.url, tenant, head.last);
      // 200/s for 1.5 s is ~300 new events; the default rate (2/s) would give ~3.
      expect(added.count).toBeGreaterThan(100);
    } finally {
      await emu.close();
    }
  });
});

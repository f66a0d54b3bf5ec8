/**
 * The desktop app imports the emulator as a built bundle (out/emulator/index.js) rather than from
 * source: prove that bundle starts, serves the demo tenants and runs an extension in its worker.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { startEmulator as StartEmulator } from '../../emulator/index';

describe('embedded emulator bundle', () => {
  it('starts from out/emulator/index.js, lists demo tenants and runs an extension', async () => {
    const entry = join(process.cwd(), 'out', 'emulator', 'index.js');
    expect(existsSync(entry), 'run `npm run build` first').toBe(true);
    const mod = (await import(pathToFileURL(entry).href)) as { startEmulator: typeof StartEmulator };
    const emu = await mod.startEmulator({ port: 0, seed: 'demo', quiet: true });
    try {
      expect(emu.tenants().length).toBeGreaterThanOrEqual(5);
      const auth = { authorization: `Bearer ${emu.masterToken}` };
      const tenant = emu.tenants()[0]!;
      const list = await fetch(`${emu.url}/api/webtask/${tenant}`, { headers: auth });
      expect(list.status).toBe(200);
      const items = (await list.json()) as Array<{ name: string }>;
      expect(items.length).toBeGreaterThan(0);
      const created = await fetch(`${emu.url}/api/webtask/${tenant}/bundle-probe`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'module.exports = function (ctx, cb) { cb(null, { hello: ctx.query.who }); };' }),
      });
      expect(created.status).toBeLessThan(300);
      const run = await fetch(`${emu.url}/api/run/${tenant}/bundle-probe?who=bundle`, { headers: auth });
      expect(run.status).toBe(200);
      expect(await run.json()).toEqual({ hello: 'bundle' });
      expect(run.headers.get('x-wt-response-source')).toBe('webtask');
    } finally {
      await emu.close();
    }
  });
});

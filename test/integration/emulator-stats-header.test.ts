// The emulator sends the run's stats header as `x-auth0-stats` (clusters), `s-auth0-stats` (the
// monitoring guide's spelling) or both: globally (option, --stats-header) or per container / extension (admin API).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index';
import { api, useEmulator } from '../helpers/emulator';

const emu = useEmulator({ seed: 'demo' });

const statsOf = async (path: string) => {
  const r = await api(emu(), path, { token: null });
  expect(r.status).toBe(200);
  return { x: r.headers.get('x-auth0-stats'), s: r.headers.get('s-auth0-stats') };
};

describe('stats header name', () => {
  it('defaults to x-auth0-stats; an extension, then a container, can be switched; the most specific rule wins', async () => {
    expect(await statsOf('/api/run/initech/hello')).toMatchObject({ s: null, x: expect.stringContaining('"response"') });

    const set = await api<{ global: string; overrides: unknown[] }>(emu(), '/admin/stats-header', {
      method: 'PUT',
      body: { header: 's-auth0-stats', container: 'initech', name: 'hello' },
    });
    expect(set.status).toBe(200);
    expect(set.body.overrides).toEqual([{ container: 'initech', name: 'hello', header: 's-auth0-stats' }]);
    const s = await statsOf('/api/run/initech/hello');
    expect(s.x).toBeNull();
    expect(JSON.parse(s.s!)).toMatchObject({ response: { '200': expect.any(Number) }, uptime: expect.any(Number) });
    // Another extension of the same container is untouched.
    expect((await statsOf('/api/run/globex/echo')).s).toBeNull();

    await api(emu(), '/admin/stats-header', { method: 'PUT', body: { header: 'both', container: 'globex' } });
    const both = await statsOf('/api/run/globex/echo');
    expect(both.x).not.toBeNull();
    expect(both.s).toBe(both.x);

    // An extension override beats its container's.
    await api(emu(), '/admin/stats-header', { method: 'PUT', body: { header: 'x-auth0-stats', container: 'globex', name: 'echo' } });
    expect(await statsOf('/api/run/globex/echo')).toMatchObject({ s: null });
    await api(emu(), '/admin/stats-header', { method: 'PUT', body: { header: null, container: 'globex', name: 'echo' } });
    expect((await statsOf('/api/run/globex/echo')).s).not.toBeNull();

    const listed = await api<{ global: string; overrides: unknown[] }>(emu(), '/admin/stats-header');
    expect(listed.body.global).toBe('x-auth0-stats');
    expect(listed.body.overrides).toHaveLength(2);
    emu().setStatsHeader(null, { container: 'globex' });
    expect((await statsOf('/api/run/globex/echo')).s).toBeNull();
  });

  it("an extension cannot forge the proxy's stats header under either name", async () => {
    const code =
      'module.exports = function (ctx, req, res) { res.writeHead(200, { "s-auth0-stats": "{\\"forged\\":1}", "x-auth0-stats": "{\\"forged\\":1}" }); res.end("ok"); }';
    expect((await api(emu(), '/api/webtask/initech/forger', { method: 'PUT', body: { code } })).status).toBeLessThan(300);
    const r = await statsOf('/api/run/initech/forger');
    expect(r.s).toBeNull();
    expect(r.x).not.toContain('forged');
  });

  it('refuses bad admin input with words, and needs the master token', async () => {
    const bad = await api<{ message: string }>(emu(), '/admin/stats-header', { method: 'PUT', body: { header: 'z-auth0-stats' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('"x-auth0-stats" | "s-auth0-stats" | "both"');
    const noGlobalRemove = await api<{ message: string }>(emu(), '/admin/stats-header', { method: 'PUT', body: { header: null } });
    expect(noGlobalRemove.status).toBe(400);
    expect(noGlobalRemove.body.message).toMatch(/global header can only be changed/);
    const nameOnly = await api<{ message: string }>(emu(), '/admin/stats-header', {
      method: 'PUT',
      body: { header: 'both', name: 'hello' },
    });
    expect(nameOnly.status).toBe(400);
    expect(nameOnly.body.message).toMatch(/with a container/);
    const token = emu().issueToken({ ten: 'initech' });
    expect((await api(emu(), '/admin/stats-header', { method: 'PUT', token, body: { header: 'both' } })).status).toBe(403);
  });

  it('the library option sets the global name', async () => {
    const e = await startEmulator({ port: 0, seed: 'demo', quiet: true, statsHeader: 's-auth0-stats' });
    try {
      const r = await api(e, '/api/run/initech/hello', { token: null });
      expect(r.headers.get('x-auth0-stats')).toBeNull();
      expect(JSON.parse(r.headers.get('s-auth0-stats')!)).toHaveProperty('response');
    } finally {
      await e.close();
    }
  });

  it('the command line takes --stats-header and refuses an unknown name', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', '--stats-header', 'y-stats'], {
      cwd: resolve('.'),
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toContain('--stats-header must be one of x-auth0-stats, s-auth0-stats, both, got "y-stats"');

    const ok = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', '--seed', 'demo', '--stats-header', 'both'], {
      cwd: resolve('.'),
    });
    try {
      let out = '';
      const url = await new Promise<string>((res, rej) => {
        ok.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m) res(m[1]!);
        });
        ok.once('exit', () => rej(new Error(`exited early: ${out}`)));
      });
      const r = await fetch(`${url}/api/run/initech/hello`);
      expect(r.headers.get('s-auth0-stats')).not.toBeNull();
      expect(r.headers.get('x-auth0-stats')).not.toBeNull();
    } finally {
      ok.kill('SIGKILL');
    }
  });
});

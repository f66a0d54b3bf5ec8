// `npm run emulator`: the two lines, clean stop on SIGINT/SIGTERM, clear errors for bad arguments; seeds.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator } from '../../emulator/index';
import { api } from '../helpers/emulator';

// Our process itself, with tsx as a loader: the `tsx` command is a parent that relays a signal to its child
// and, when the child does not confirm within 30 ms (a busy machine), kills it and exits 143.
const RUN = ['--import', 'tsx'];

function launch(args: string[]) {
  const child = spawn(process.execPath, [...RUN, 'emulator/cli.ts', ...args], {
    cwd: resolve('.'),
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    async until(pred: () => boolean, ms = 20_000): Promise<void> {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > ms) throw new Error(`timed out; stdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('emulator command line', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints the two lines, serves, and stops cleanly on ${signal}`, async () => {
      const p = launch(['--port', '0', '--seed', 'demo', '--master-token', 'cli-master-token']);
      try {
        await p.until(() => /master token: /.test(p.out()));
        const lines = p.out().trim().split('\n');
        expect(lines).toHaveLength(2);
        const m = /^emulator listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(lines[0]!);
        expect(m).not.toBeNull();
        expect(lines[1]).toBe('master token: cli-master-token');
        const res = await fetch(`${m![1]}/api/webtask/acme-prod`, { headers: { authorization: 'Bearer cli-master-token' } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as unknown[]).length).toBeGreaterThan(3);
        p.child.kill(signal);
        expect(await p.exited).toBe(0);
        await expect(fetch(`${m![1]}/admin/health`)).rejects.toThrow();
        // Quiet by default: nothing but the two lines (stderr may hold runtime warnings of dependencies only).
        expect(p.out().trim().split('\n')).toHaveLength(2);
      } finally {
        p.child.kill('SIGKILL');
      }
    });
  }

  it('--verbose logs requests without the token', async () => {
    const p = launch(['--port', '0', '--seed', 'empty', '--master-token', 'verbose-master', '--verbose']);
    try {
      await p.until(() => /master token: /.test(p.out()));
      const url = /listening on (\S+)/.exec(p.out())![1]!;
      await fetch(`${url}/api/logs/tenant/x?key=verbose-master`).then((r) => r.body?.cancel());
      await fetch(`${url}/api/webtask/nothing`, { headers: { authorization: 'Bearer verbose-master' } });
      await p.until(() => p.err().includes('GET /api/webtask/nothing 404'));
      expect(p.err()).toContain('GET /api/logs/tenant/x 200');
      expect(p.err()).not.toContain('verbose-master');
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  it('rejects bad arguments with a message and the usage', async () => {
    for (const [args, msg] of [
      [['--port', 'abc'], '--port must be an integer between 0 and 65535, got "abc"'],
      [['--clock-speed', '0'], '--clock-speed must be a positive number'],
      [['--bogus'], "Unknown option '--bogus'"],
      [['--master-token', 'short'], '--master-token must be at least 8 characters'],
    ] as const) {
      const p = launch([...args]);
      expect(await p.exited).toBe(2);
      expect(p.err()).toContain(msg);
      expect(p.err()).toContain('usage: npm run emulator');
    }
  });

  it('reports a busy port and an unreadable seed clearly', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const p = launch(['--port', String(port)]);
      expect(await p.exited).toBe(2);
      expect(p.err()).toContain(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
    const s = launch(['--port', '0', '--seed', '/nonexistent/seed.json']);
    expect(await s.exited).toBe(1);
    expect(s.err()).toContain('seed file /nonexistent/seed.json cannot be read: ENOENT');
  });
});

describe('seed files', () => {
  it('loads webtasks and cron jobs from JSON, with {{url}} replaced by the emulator URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seed-'));
    try {
      const file = join(dir, 'seed.json');
      await writeFile(
        file,
        JSON.stringify({
          containers: {
            mine: {
              webtasks: {
                a: { code: 'module.exports = (ctx, cb) => cb(null, ctx.secrets.U)', secrets: { U: '{{url}}/dest/x' }, meta: { k: 'v' } },
              },
              cron: { a: { schedule: '*/5 * * * *' } },
            },
          },
        }),
      );
      const e = await startEmulator({ port: 0, quiet: true, seed: file });
      try {
        expect(e.tenants()).toContain('mine');
        expect((await api(e, '/api/run/mine/a', { token: null })).body).toBe(`${e.url}/dest/x`);
        expect((await api<unknown[]>(e, '/api/cron/mine')).body).toHaveLength(1);
      } finally {
        await e.close();
      }
      await writeFile(file, '{"containers": {"c": {"webtasks": {"w": {"code": 1}}}}}');
      await expect(startEmulator({ port: 0, quiet: true, seed: file })).rejects.toThrow(
        /containers\.c\.webtasks\.w\.code must be a string/,
      );
      await writeFile(file, '{ nope');
      await expect(startEmulator({ port: 0, quiet: true, seed: file })).rejects.toThrow(/is not valid JSON/);
      await writeFile(
        file,
        JSON.stringify({ containers: { c: { webtasks: { w: { code: 'x' } }, cron: { w: { schedule: 'every day' } } } } }),
      );
      await expect(startEmulator({ port: 0, quiet: true, seed: file })).rejects.toThrow(/cron job c\/w: schedule must have 5 fields/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts empty by default as a library and demo-seeds 10,000 extensions', async () => {
    const empty = await startEmulator({ port: 0, quiet: true });
    expect(empty.tenants()).toEqual([]);
    await empty.close();
    // The start-up time is bench/list-10k.ts's figure (demo seed against an empty start).
    const demo = await startEmulator({ port: 0, quiet: true, seed: 'demo' });
    try {
      expect(demo.tenants()).toEqual(
        expect.arrayContaining(['acme-prod', 'acme-staging', 'globex', 'initech', 'umbrella-corp', 'bulk-10k']),
      );
      const last = await api<Array<{ name: string }>>(demo, '/api/webtask/bulk-10k?offset=9999&limit=100');
      expect(last.body.map((w) => w.name)).toEqual(['ext-09999']);
    } finally {
      await demo.close();
    }
  });
});

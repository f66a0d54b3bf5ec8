// Conformance: the real `wt` CLI (wt-cli 11.0.2 from npm) against the emulator, with a temporary HOME.
//
// Quirks of the real CLI the emulator had to meet (found by reading wt-cli/sandboxjs and by these tests):
// - In v1 mode (opaque profile token) sandboxjs decodes every listed webtask `token` with jwt-decode and
//   throws "token must be a valid JWT" otherwise: webtask tokens are JWT-shaped (a header without `typ`).
// - A profile token whose JWT header has `typ: "JWT"` switches sandboxjs to v2: `wt inspect NAME` then
//   calls GET /api/webtask/{c}/{name}?decrypt&fetch_code instead of /api/tokens/inspect.
// - `wt create` with a v2 (JWT) profile token and no openid block fails inside sandboxjs ("name must be a
//   valid string", exit 99) after /api/tokens/issue answered, so `wt create` is exercised with an opaque token.
// - `wt logs` parses SSE by chunks: each event must be written in one write; it ignores `event: ping`
//   (with a space) and reads bare `data:` events. `wt cron history` needs `completed_at` etc. as dates.
// - `wt cron reschedule` re-PUTs the job with the job's own `token`, which must therefore be accepted.
import { describe, expect, it, beforeAll, afterAll, afterEach } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import { join, resolve } from 'node:path';
import { api, useEmulator } from '../helpers/emulator';

const WT = resolve('node_modules/.bin/wt');
const emu = useEmulator({ seed: 'demo' });
let home = '';
let work = '';

const strip = (s: string): string => stripVTControlCharacters(s);

// No clock of its own: each `wt` is a Node start-up that takes seconds on a busy machine, so the test's
// timeout is the one bound, and a process still running when a test ends is killed.
const running = new Set<ChildProcess>();
function wt(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolveRun) => {
    const child = execFile(
      WT,
      args,
      { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        running.delete(child);
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, out: strip(stdout), err: strip(stderr) });
      },
    );
    running.add(child);
  });
}
afterEach(() => {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
});

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'wt-home-'));
  work = await mkdtemp(join(tmpdir(), 'wt-work-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('wt CLI against the emulator', () => {
  it('wt init stores profiles without a network call', async () => {
    const v1 = emu().issueToken({ ten: 'acme-prod' }, 'v1');
    const v2 = emu().issueToken({ ten: 'acme-prod' }, 'v2');
    const bulk = emu().issueToken({ ten: 'bulk-10k' }, 'v1');
    const other = emu().issueToken({ ten: 'globex' }, 'v1');
    for (const [p, token, container] of [
      ['v1', v1, 'acme-prod'],
      ['v2', v2, 'acme-prod'],
      ['bulk', bulk, 'bulk-10k'],
      ['wrong', other, 'acme-prod'],
    ] as const) {
      const r = await wt(['init', '--url', emu().url, '--token', token, '--container', container, '-p', p]);
      expect(r.code, r.err).toBe(0);
    }
    const profiles = JSON.parse(await readFile(join(home, '.webtask'), 'utf8'));
    expect(profiles.v1).toEqual({ url: emu().url, token: v1, container: 'acme-prod' });
    expect(((await stat(join(home, '.webtask'))).mode & 0o777).toString(8)).toBe('600');
  });

  it('wt ls lists the container', async () => {
    const r = await wt(['ls', '-p', 'v1']);
    expect(r.code, r.err).toBe(0);
    for (const name of ['logs-to-cloudwatch', 'logs-to-logstash', 'logs-to-loganalytics', 'post-user-registration'])
      expect(r.out).toContain(`Name:        ${name}`);
    expect(r.out).toMatch(/Successfully listed named webtasks 1 to \d+\./);
  });

  it('wt ls --offset/--limit pages and suggests the next offset', async () => {
    const r = await wt(['ls', '-p', 'bulk', '--offset', '200', '--limit', '5']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/Name: +ext-\d+/g)).toEqual([
      'Name:        ext-00200',
      'Name:        ext-00201',
      'Name:        ext-00202',
      'Name:        ext-00203',
      'Name:        ext-00204',
    ]);
    expect(r.out).toContain('$ wt ls --offset 205');
    const end = await wt(['ls', '-p', 'bulk', '--offset', '9998', '--limit', '5']);
    expect(end.out).toContain('Successfully listed named webtasks 9999 to 10000.');
  });

  it('wt ls --meta filters', async () => {
    const r = await wt(['ls', '-p', 'v1', '--meta', 'auth0-extension-name=logs-to-logstash', '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const list = JSON.parse(r.out) as Array<{ name: string; meta: Record<string, string> }>;
    expect(list.map((w) => w.name)).toEqual(['logs-to-logstash']);
    expect(list[0]!.meta['auth0-extension']).toBe('runtime');
  });

  it('wt inspect NAME --fetch-code with an opaque (v1) token', async () => {
    const r = await wt(['inspect', 'rule-add-roles', '--fetch-code', '-p', 'v1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Token.jtn:   rule-add-roles');
    expect(r.out).toContain('Token.ten:   acme-prod');
    expect(r.out).toContain('add-roles: %s -> %j');
    expect(r.out).toContain('Meta.purpose: rule');
  });

  it('wt inspect NAME --fetch-code --decrypt with a JWT (v2) token', async () => {
    const r = await wt(['inspect', 'rule-add-roles', '--fetch-code', '--decrypt', '-p', 'v2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Name:        rule-add-roles');
    expect(r.out).toContain(`URL:         ${emu().url}/api/run/acme-prod/rule-add-roles`);
    expect(r.out).toContain('Secret.ADMIN_DOMAIN: acme.example');
    expect(r.out).toContain('Code:');
    expect(r.out).toContain('app_metadata.roles');
  });

  it('wt logs receives a line printed by a run', async () => {
    const child = spawn(WT, ['logs', '-p', 'v1'], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += strip(c.toString())));
    child.stderr.on('data', (c: Buffer) => (out += strip(c.toString())));
    const until = async (pred: () => boolean, ms: number): Promise<void> => {
      const t0 = Date.now();
      while (!pred()) {
        if (child.exitCode !== null) throw new Error(`wt logs exited ${child.exitCode}:\n${out}`);
        if (Date.now() - t0 > ms) throw new Error(`timed out; wt logs printed:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      // Start-up is bounded by the test's timeout only (seconds of module loading on a busy machine).
      await until(() => out.includes('connected to streaming logs'), Infinity);
      // wt prints "connected" when its socket opens, a moment before the server registers the stream,
      // so the run is repeated (a bounded number of times) until its line shows up.
      const marker = `conformance-${Date.now()}`;
      for (let i = 0; i < 10 && !out.includes(marker); i++) {
        await api(emu(), `/api/run/acme-prod/audit-logger?marker=${marker}`, { token: null });
        await until(() => out.includes(marker), 1000).catch(() => undefined);
      }
      expect(out).toMatch(new RegExp(`audit: audit called with query \\{"marker":"${marker}"\\}`));
    } finally {
      child.kill('SIGINT');
    }
  });

  it('wt create and wt rm', async () => {
    await writeFile(join(work, 'greet.js'), "module.exports = function (ctx, cb) { cb(null, 'hi ' + (ctx.query.who || 'there')); };\n");
    const created = await wt(['create', 'greet.js', '--name', 'greet', '--secret', 'S=1', '--meta', 'team=support', '-p', 'v1']);
    expect(created.code, created.err + created.out).toBe(0);
    expect(created.out).toContain(`${emu().url}/api/run/acme-prod/greet`);
    const run = await api(emu(), '/api/run/acme-prod/greet?who=wt', { token: null });
    expect(run.body).toBe('hi wt');
    const meta = await api<{ meta: Record<string, string>; secrets: Record<string, string> }>(
      emu(),
      '/api/webtask/acme-prod/greet?decrypt=1',
    );
    expect(meta.body).toMatchObject({ meta: { team: 'support' }, secrets: { S: '1' } });
    const removed = await wt(['rm', 'greet', '-p', 'v1']);
    expect(removed.code, removed.err).toBe(0);
    expect(removed.out).toContain('Removed webtask: greet');
    const again = await wt(['rm', 'greet', '-p', 'v1']);
    expect(again.code).not.toBe(0);
    expect(again.out + again.err).toContain('No such webtask: greet');
  });

  // One test per command pair: each `wt` start costs seconds under load, so seven in one test ran into the
  // per-test timeout on a busy machine.
  it('wt cron ls | get', async () => {
    const ls = await wt(['cron', 'ls', '-p', 'v1']);
    expect(ls.code, ls.err).toBe(0);
    expect(ls.out).toContain('Name:        logs-to-cloudwatch');
    expect(ls.out).toContain('Schedule:    */5 * * * *');
    const get = await wt(['cron', 'get', 'logs-to-logstash', '-p', 'v1']);
    expect(get.code, get.err).toBe(0);
    expect(get.out).toContain('State:       active');
    expect(get.out).toContain('Meta.auth0-extension-name: logs-to-logstash');
  });

  it('wt cron history (json and text)', async () => {
    // One run of the job now (the emulator's admin API) so there is history to read.
    expect((await api(emu(), '/admin/cron/acme-prod/logs-to-cloudwatch/run', { method: 'POST' })).status).toBe(200);
    const history = await wt(['cron', 'history', 'logs-to-cloudwatch', '-p', 'v1', '-o', 'json']);
    expect(history.code, history.err).toBe(0);
    const items = JSON.parse(history.out) as Array<{
      type: string;
      statusCode: number;
      scheduled_at: string;
      headers: Record<string, unknown>;
    }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]).toHaveProperty('statusCode');
    expect(items[0]!.headers['x-wt-response-source']).toBeTruthy();
    const text = await wt(['cron', 'history', 'logs-to-cloudwatch', '-p', 'v1']);
    expect(text.out).toMatch(/scheduled_at: +\w+/);
  });

  it('wt cron reschedule', async () => {
    const re = await wt(['cron', 'reschedule', 'logs-to-cloudwatch', '--schedule', '17 3 * * *', '--tz', 'America/New_York', '-p', 'v1']);
    expect(re.code, re.err).toBe(0);
    expect(re.out).toContain('Schedule:    17 3 * * *');
    expect(re.out).toContain('Timezone:    America/New_York');
  });

  it('wt cron rm', async () => {
    const rm = await wt(['cron', 'rm', 'logs-to-loganalytics', '-p', 'v1']);
    expect(rm.code, rm.err).toBe(0);
    expect(rm.out).toContain('Successfully removed the scheduled webtask: logs-to-loganalytics');
    const after = await wt(['cron', 'ls', '-p', 'v1']);
    expect(after.out).not.toContain('Name:        logs-to-loganalytics');
  });

  it('wt prints the 403 message for a token of another tenant', async () => {
    const r = await wt(['ls', '-p', 'wrong']);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toContain('not authorized to perform operation on tenant `acme-prod`');
  });
});

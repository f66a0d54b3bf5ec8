// The headless command line: bad input, and the crash test: SIGKILL at random points, resume,
// and at the end every source log at the destination, duplicates at most one batch per crash.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../core/export/checkpoint';
import { ExportReport } from '../../core/export/report';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { type ExportServer, TEST_CLIENT, addTenant, exportSettings, startExportServer } from '../helpers/export-server';

let s: ExportServer;
let dir: string;
beforeAll(async () => {
  s = await startExportServer();
  dir = await mkdtemp(join(tmpdir(), 'export-cli-'));
});
afterAll(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

const CLI = ['--import', 'tsx', 'core/export/cli.ts'];

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function writeConfig(name: string, settings: unknown): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
  return file;
}

describe('export CLI: bad input', () => {
  it.each([
    [[], /--config FILE is required/],
    [['--config'], /--config/],
    [['--config', 'x.json', '--bogus'], /Unknown option '--bogus'/],
    [['--config', 'x.json', '--from', '123'], /--from must be a log id \(56 digits\)/],
    [['--config', '/no/such/file.json'], /cannot read the config file \/no\/such\/file.json: ENOENT/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const r = await start(args).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('names the file and the setting for bad JSON and bad settings', async () => {
    const notJson = await writeConfig('broken', '{"AUTH0_DOMAIN": ');
    const r1 = await start(['--config', notJson]).done;
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/is not valid JSON/);
    const bad = await writeConfig('bad', {
      AUTH0_DOMAIN: 'x.auth0.com',
      AUTH0_CLIENT_ID: 'a',
      AUTH0_CLIENT_SECRET: 'very-secret-value',
      LOGSTASH_URL: 'https://ls',
      BATCH_SIZE: 500,
    });
    const r2 = await start(['--config', bad]).done;
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/BATCH_SIZE must be at most 100/);
    expect(r2.stderr).toMatch(/bad\.json/);
    expect(r2.stderr).not.toContain('very-secret-value');
  });
});

describe('export CLI: crash and resume', () => {
  it('killed with SIGKILL at random points 12 times, then resumed: nothing lost, duplicates at most one batch per crash', async () => {
    // Enough logs that ten kills (each after at most two batches) never reach the end; few enough that the
    // final resume is short: the test's cost is the work (13 start-ups, ~8,000 logs), not the machine's speed.
    const t = addTenant(s, 'crashy', { seedCount: 8_000 });
    const pipeline = s.dest.logstash.create('crashy', {});
    // Slow the destination down so a run lasts long enough to be killed part-way.
    const slow = s.faults.add({ path: '/dest/logstash/crashy', latencyMs: 25 });
    const batch = 200;
    const config = await writeConfig(
      'crashy',
      exportSettings(s, 'crashy', 'logstash', {
        LOGSTASH_URL: `${s.url}/dest/logstash/crashy`,
        LOGSTASH_USER: '',
        LOGSTASH_PASSWORD: '',
        LOGSTASH_TOKEN: '',
        MAX_BATCH_EVENTS: batch,
      }),
    );
    const state = join(dir, 'crashy-state');
    const args = ['--config', config, '--state', state];
    const kills: Array<{ atEvents: number; afterMs: number }> = [];
    for (let i = 0; i < 12; i++) {
      const before = pipeline.events.length;
      const run = start(args);
      const t0 = Date.now();
      // Two kills at a random instant (maybe before the first request), the rest after some progress
      // (at a random point within the first two batches): waiting on the destination, not on the clock.
      const wantEvents = i < 2 ? Infinity : before + 1 + Math.floor(Math.random() * 2 * batch);
      const killAfterMs = i < 2 ? 200 + Math.random() * 1000 : 15_000;
      let exited = false;
      void run.done.then(() => (exited = true));
      while (!exited && Date.now() - t0 < killAfterMs && pipeline.events.length < wantEvents) await new Promise((r) => setTimeout(r, 5));
      if (exited) break;
      run.child.kill('SIGKILL');
      const r = await run.done;
      expect(r.signal).toBe('SIGKILL');
      kills.push({ atEvents: pipeline.events.length, afterMs: Date.now() - t0 });
    }
    s.faults.remove(slow.id);
    const final = await start(args).done;
    expect(final.code).toBe(0);
    const lines = final.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = ExportReport.parse(JSON.parse(lines[0]!));
    expect(report.status).toBe('ok');
    expect(report.nextCheckpoint).toBe(t.allIds().at(-1));
    const check = checkDelivery(t.allIds(), idsOf(pipeline.events));
    console.log(
      `crash test: ${kills.length} SIGKILLs (at ${kills.map((k) => `${k.atEvents}ev/${k.afterMs}ms`).join(', ')}); ` +
        `${check.sourceCount} source logs, ${check.receivedCount} received, ${check.missing.length} missing, ${check.duplicates} duplicates (bound ${kills.length * batch})`,
    );
    expect(kills.length).toBeGreaterThanOrEqual(10);
    expect(check.missing).toEqual([]);
    expect(check.duplicates).toBeLessThanOrEqual(kills.length * batch);
  }, 110_000);

  it('a dry run reads and filters without sending or saving, and --from overrides the saved checkpoint', async () => {
    const t = addTenant(s, 'dry', { seedCount: 500 });
    const pipeline = s.dest.logstash.create('dry', {});
    const config = await writeConfig(
      'dry',
      exportSettings(s, 'dry', 'logstash', {
        LOGSTASH_URL: `${s.url}/dest/logstash/dry`,
        LOGSTASH_USER: '',
        LOGSTASH_PASSWORD: '',
        LOGSTASH_TOKEN: '',
      }),
    );
    const state = join(dir, 'dry-state');
    const dry = await start(['--config', config, '--state', state, '--dry-run']).done;
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, processed: 500, delivered: 0 });
    expect(pipeline.events.length).toBe(0);
    const from = t.allIds()[399]!;
    const r = await start(['--config', config, '--state', state, '--from', from]).done;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ startCheckpoint: from, processed: 100, delivered: 100 });
    expect(idsOf(pipeline.events)).toEqual(t.allIds().slice(400));
  });

  it('SIGINT stops the run with a consistent checkpoint (exit 130), and the next run resumes from it', async () => {
    const t = addTenant(s, 'sigint', { seedCount: 6000 });
    const pipeline = s.dest.logstash.create('sigint', {});
    const slow = s.faults.add({ path: '/dest/logstash/sigint', latencyMs: 30 });
    const config = await writeConfig(
      'sigint',
      exportSettings(s, 'sigint', 'logstash', {
        LOGSTASH_URL: `${s.url}/dest/logstash/sigint`,
        LOGSTASH_USER: '',
        LOGSTASH_PASSWORD: '',
        LOGSTASH_TOKEN: '',
        MAX_BATCH_EVENTS: 200,
      }),
    );
    const state = join(dir, 'sigint-state');
    const run = start(['--config', config, '--state', state]);
    const t0 = Date.now();
    while (pipeline.events.length < 1000 && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGINT');
    const r = await run.done;
    s.faults.remove(slow.id);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopping after the current request/);
    const report = JSON.parse(r.stdout) as ExportReport;
    expect(report.status).toBe('cancelled');
    expect(await new FileCheckpointStore(state).load()).toBe(report.nextCheckpoint);
    const ids = t.allIds();
    const got = new Set(idsOf(pipeline.events));
    expect(ids.slice(0, ids.indexOf(report.nextCheckpoint!) + 1).every((id) => got.has(id))).toBe(true);
    const resumed = await start(['--config', config, '--state', state]).done;
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'ok', startCheckpoint: report.nextCheckpoint });
    expect(checkDelivery(ids, idsOf(pipeline.events)).missing).toEqual([]);
  });

  it('exits 1 with the failed checkpoint when the destination keeps failing', async () => {
    addTenant(s, 'cli-fail', { seedCount: 300 });
    s.dest.logstash.create('cli-fail', {});
    const rule = s.faults.add({ path: '/dest/logstash/cli-fail', status: 502 });
    const config = await writeConfig(
      'cli-fail',
      exportSettings(s, 'cli-fail', 'logstash', {
        LOGSTASH_URL: `${s.url}/dest/logstash/cli-fail`,
        LOGSTASH_USER: '',
        LOGSTASH_PASSWORD: '',
        LOGSTASH_TOKEN: '',
        MAX_RETRIES: 2,
      }),
    );
    const r = await start(['--config', config, '--state', join(dir, 'fail-state')]).done;
    s.faults.remove(rule.id);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as ExportReport;
    expect(report).toMatchObject({ status: 'failed', delivered: 0, retries: 2, failedCheckpoint: null });
    expect(report.error).toMatch(/Logstash answered 502/);
    expect(r.stderr).toMatch(/retry 1\/2/);
  });
});

describe('export CLI: attacks on its input (issue 11)', () => {
  const SECRET = 'cli-secret-Zq9-77aa';
  const good = () => ({
    AUTH0_DOMAIN: `${s.url}/auth0/cli-attack`,
    AUTH0_CLIENT_ID: TEST_CLIENT.clientId,
    AUTH0_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    LOGSTASH_URL: `${s.url}/dest/logstash/cli-attack`,
  });

  it.each([
    ['http://exa mple.com', /AUTH0_DOMAIN .*contains a space/],
    ['mytenant.auth0.com:99999', /AUTH0_DOMAIN has port 99999/],
    ['ftp://mytenant.auth0.com', /AUTH0_DOMAIN .*not ftp:\/\//],
  ])('a malformed AUTH0_DOMAIN %j is refused at once (exit 2), naming the setting', async (domain, message) => {
    const file = await writeConfig('bad-domain', { ...good(), AUTH0_DOMAIN: domain });
    const r = await start(['--config', file, '--state', join(dir, 'bad-domain-state')]).done;
    // Exit 2 is the settings check, before any request: a request that failed would be retried
    // (70 s of retries before) and end in exit 1 with a report on stdout.
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a config that is not JSON is located by line and column, and its text (a secret) is never echoed', async () => {
    const file = await writeConfig('secret-broken', `{\n  "AUTH0_DOMAIN": "x.auth0.com",\n  "AUTH0_CLIENT_SECRET": "${SECRET}" oops\n}`);
    const r = await start(['--config', file]).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/secret-broken\.json is not valid JSON at line 3, column \d+/);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).not.toContain('oops');
    const truncated = await writeConfig('secret-truncated', `{"AUTH0_CLIENT_SECRET": "${SECRET}`);
    const r2 = await start(['--config', truncated]).done;
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/is not valid JSON at line 1, column \d+/);
    expect(r2.stderr).not.toContain(SECRET.slice(0, 10));
  });

  it('a config file over 1 MiB is refused without reading it whole', async () => {
    const file = join(dir, 'huge.json');
    await writeFile(file, `{"AUTH0_DOMAIN": "${'x'.repeat(100 * 1024 * 1024)}"}`);
    const r = await start(['--config', file]).done;
    await rm(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/huge\.json: it is \d+ bytes; a config file may hold at most 1 MiB/);
  });

  it.each([
    ['truncated', '{"checkpointId":"90020'],
    ['empty', ''],
    ['null', 'null'],
    ['binary', Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x00])],
    ['an array', '["9"]'],
  ])('a %s checkpoint file stops the run naming the file and both ways out, and is left as it was', async (_what, content) => {
    addTenant(s, 'cli-attack', { seedCount: 50 });
    if (!s.dest.logstash.get('cli-attack')) s.dest.logstash.create('cli-attack', {});
    const file = await writeConfig('cp-attack', good());
    const state = await mkdtemp(join(dir, 'cp-'));
    const cp = join(state, 'checkpoint.json');
    await writeFile(cp, content);
    const r = await start(['--config', file, '--state', state]).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the checkpoint file ${cp}`);
    expect(r.stderr).toMatch(/--from CHECKPOINT/);
    expect(r.stderr).toMatch(/move the file away .* to start from the oldest log/);
    expect(r.stderr).not.toMatch(/unexpected error|Unterminated string/);
    expect(r.stdout).toBe('');
    expect(Buffer.compare(await readFile(cp), Buffer.from(content))).toBe(0);
  });

  it('with --from, an unreadable checkpoint file is moved aside with a word, not overwritten silently', async () => {
    const t = addTenant(s, 'cli-aside', { seedCount: 120 });
    s.dest.logstash.create('cli-aside', {});
    const file = await writeConfig('cp-aside', {
      ...good(),
      AUTH0_DOMAIN: `${s.url}/auth0/cli-aside`,
      LOGSTASH_URL: `${s.url}/dest/logstash/cli-aside`,
    });
    const state = await mkdtemp(join(dir, 'aside-'));
    await writeFile(join(state, 'checkpoint.json'), 'null');
    const r = await start(['--config', file, '--state', state, '--from', t.allIds()[19]!]).done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/checkpoint\.json holds null.*; it was moved to .*checkpoint\.json\.unreadable-/);
    const files = await readdir(state);
    const aside = files.find((f) => f.startsWith('checkpoint.json.unreadable-'))!;
    expect(await readFile(join(state, aside), 'utf8')).toBe('null');
    expect(await new FileCheckpointStore(state).load()).toBe(t.allIds().at(-1));
  });

  it('a destination that hangs fails its batch within REQUEST_TIMEOUT_MS, naming the setting to raise', async () => {
    addTenant(s, 'cli-hang', { seedCount: 300 });
    s.dest.logstash.create('cli-hang', {});
    const hang = s.faults.add({ path: '/dest/logstash/cli-hang', latencyMs: 600_000 });
    const timeoutMs = 1500;
    // MAX_RETRIES stays at its default (8): before, each timed-out attempt was retried, 9 x the timeout in all.
    const file = await writeConfig('hang', {
      ...good(),
      AUTH0_DOMAIN: `${s.url}/auth0/cli-hang`,
      LOGSTASH_URL: `${s.url}/dest/logstash/cli-hang`,
      REQUEST_TIMEOUT_MS: timeoutMs,
      RETRY_BASE_MS: 20,
      RETRY_MAX_MS: 200,
    });
    const r = await start(['--config', file, '--state', join(dir, 'hang-state')]).done;
    // One attempt reached the hanging destination: the timed-out batch was not retried.
    expect(s.faults.list().find((f) => f.id === hang.id)!.hits).toBe(1);
    s.faults.remove(hang.id);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as ExportReport;
    expect(report).toMatchObject({ status: 'failed', delivered: 0, retries: 0, duplicatesPossible: true, failedCheckpoint: null });
    expect(report.error).toMatch(/no acknowledgement within REQUEST_TIMEOUT_MS \(1500 ms\).*raise REQUEST_TIMEOUT_MS/);
  });

  it('unknown settings are warned about on stderr and in the report, with the closest name, in a dry run too', async () => {
    addTenant(s, 'cli-warn', { seedCount: 30 });
    const file = await writeConfig('warn', {
      ...good(),
      AUTH0_DOMAIN: `${s.url}/auth0/cli-warn`,
      SLACK_INCOMING_WEBHOK: `${s.url}/dest/slack/T/B/typo`,
      EXTENSION_SECRET: 'ext-own-secret-1',
      AUTH0_RTA: 'https://auth0.auth0.com',
    });
    const r = await start(['--config', file, '--state', join(dir, 'warn-state'), '--dry-run']).done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/export: warning: unknown setting "SLACK_INCOMING_WEBHOK" is ignored: did you mean SLACK_INCOMING_WEBHOOK\?/);
    const report = JSON.parse(r.stdout) as ExportReport;
    expect(report.dryRun).toBe(true);
    expect(report.warnings).toEqual(['unknown setting "SLACK_INCOMING_WEBHOK" is ignored: did you mean SLACK_INCOMING_WEBHOOK?']);
    expect(r.stderr + r.stdout).not.toContain('ext-own-secret-1');
  });
});

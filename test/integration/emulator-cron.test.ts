// Cron: jobs fire on an accelerated clock, POST the job record, and keep a history of the last 100 runs.
import { describe, expect, it } from 'vitest';
import { api, useEmulator } from '../helpers/emulator';
import { startEmulator } from '../../emulator/index';
import { cronRunInFlight } from '../../core/host/bulk-replay/guard';
import type { WireCronJob } from '../../core/webtask/cron';

// 600x: a "* * * * *" job fires every 100 ms of real time.
const emu = useEmulator({ seed: 'empty', clockSpeed: 600 });

type Job = {
  name: string;
  state: string;
  schedule: string;
  tz: string;
  token: string;
  next_available_at: string;
  run_count: number;
  error_count: number;
  results: Array<{ type: string }>;
};
type Hist = {
  scheduled_at: string;
  started_at: string;
  completed_at: string;
  type: string;
  statusCode: number;
  body: string;
  headers: Record<string, string>;
};

async function waitFor(pred: () => Promise<boolean>, ms = 8000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cron', () => {
  it('fires on schedule, POSTs the job record, records status, body and headers', async () => {
    const token = emu().issueToken({ ten: 'crons' });
    await api(emu(), '/api/webtask/crons/tick', {
      method: 'PUT',
      token,
      body: {
        code: "module.exports = function (ctx, cb) { console.log('tick for %s', ctx.body.name); cb(null, { job: ctx.body.name, schedule: ctx.body.schedule }); }",
      },
    });
    const put = await api<Job>(emu(), '/api/cron/crons/tick', {
      method: 'PUT',
      token,
      body: { schedule: '* * * * *', meta: { kind: 'test' } },
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ name: 'tick', state: 'active', schedule: '* * * * *', tz: 'UTC' });
    await waitFor(async () => (await api<Job>(emu(), '/api/cron/crons/tick', { token })).body.run_count >= 3);
    // Stop the (accelerated) schedule and let a run in flight land, so the history holds still while
    // it is read twice below.
    await api(emu(), '/api/cron/crons/tick/state', { method: 'PUT', token, body: { state: 'inactive' } });
    let last = -1;
    await waitFor(async () => {
      const count = (await api<Job>(emu(), '/api/cron/crons/tick', { token })).body.run_count;
      const still = count === last;
      last = count;
      if (!still) await new Promise((r) => setTimeout(r, 300));
      return still;
    });
    const hist = await api<Hist[]>(emu(), '/api/cron/crons/tick/history', { token });
    expect(hist.body.length).toBeGreaterThanOrEqual(3);
    const h = hist.body[0]!;
    expect(h).toMatchObject({ type: 'success', statusCode: 200 });
    expect(JSON.parse(h.body)).toEqual({ job: 'tick', schedule: '* * * * *' });
    expect(h.headers['x-wt-response-source']).toBe('webtask');
    expect(Date.parse(h.completed_at)).toBeGreaterThanOrEqual(Date.parse(h.started_at));
    // Newest first, on whole scheduled minutes (a loaded machine may skip one while a run is in flight).
    const s0 = Date.parse(hist.body[0]!.scheduled_at);
    const s1 = Date.parse(hist.body[1]!.scheduled_at);
    expect(s0 - s1).toBeGreaterThan(0);
    expect((s0 - s1) % 60_000).toBe(0);
    expect(s0 % 60_000).toBe(0);
    const job = await api<Job>(emu(), '/api/cron/crons/tick', { token });
    expect(job.body.results[0]!.type).toBe('success');
    const paged = await api<Hist[]>(emu(), '/api/cron/crons/tick/history?offset=1&limit=1', { token });
    expect(paged.body).toHaveLength(1);
    expect(paged.body[0]!.scheduled_at).toBe(hist.body[1]!.scheduled_at);
  });

  it('a run that outlasts its interval is one late run for the latest missed occurrence, seen as ended once it ends', async () => {
    const token = emu().issueToken({ ten: 'crons' });
    // 300 ms real is 3 minutes at 600x: every run outlasts the next occurrences.
    await api(emu(), '/api/webtask/crons/slow', {
      method: 'PUT',
      token,
      body: { code: 'module.exports = function (ctx, cb) { setTimeout(function () { cb(null, {}); }, 300); }' },
    });
    await api(emu(), '/api/cron/crons/slow', { method: 'PUT', token, body: { schedule: '* * * * *' } });
    await waitFor(async () => (await api<Job>(emu(), '/api/cron/crons/slow', { token })).body.run_count >= 2);
    await api(emu(), '/api/cron/crons/slow/state', { method: 'PUT', token, body: { state: 'inactive' } });
    // The run in flight at the switch is seen as running (the console's guard), then as ended.
    await waitFor(async () => cronRunInFlight((await api<WireCronJob>(emu(), '/api/cron/crons/slow', { token })).body) === null);
    const job = (await api<WireCronJob>(emu(), '/api/cron/crons/slow', { token })).body;
    const hist = (await api<Hist[]>(emu(), '/api/cron/crons/slow/history', { token })).body;
    // No overlap: each run started after the one before it completed.
    for (let i = 1; i < hist.length; i++)
      expect(Date.parse(hist[i - 1]!.started_at)).toBeGreaterThanOrEqual(Date.parse(hist[i]!.completed_at));
    expect(job.last_scheduled_at).toBe(hist[0]!.scheduled_at);
  });

  it('counts errors, stops when inactive, and can be deleted', async () => {
    await api(emu(), '/api/webtask/crons/bad', {
      method: 'PUT',
      body: { code: 'module.exports = function (cb) { cb(new Error("nope")); }' },
    });
    await api(emu(), '/api/cron/crons/bad', { method: 'PUT', body: { schedule: '* * * * *' } });
    await waitFor(async () => (await api<Job>(emu(), '/api/cron/crons/bad')).body.error_count >= 2);
    const hist = await api<Hist[]>(emu(), '/api/cron/crons/bad/history');
    expect(hist.body[0]).toMatchObject({ type: 'error', statusCode: 400 });
    const off = await api<Job>(emu(), '/api/cron/crons/bad/state', { method: 'PUT', body: { state: 'inactive' } });
    expect(off.body.state).toBe('inactive');
    const switched = Date.now();
    // Four due times pass (a run every 100 ms at this clock speed). A run already in flight at the switch may
    // still finish and be counted (a busy machine showed it); no run may start after the switch.
    await new Promise((r) => setTimeout(r, 400));
    const after = await api<Hist[]>(emu(), '/api/cron/crons/bad/history');
    expect(after.body.filter((h) => Date.parse(h.started_at) > switched)).toEqual([]);
    expect((await api(emu(), '/api/cron/crons/bad', { method: 'DELETE' })).status).toBe(204);
    expect((await api(emu(), '/api/cron/crons/bad')).status).toBe(404);
  });

  it('lists with meta filters and reschedules with a new next run', async () => {
    await api(emu(), '/api/webtask/crons/daily', { method: 'PUT', body: { code: 'module.exports = cb => cb()' } });
    await api(emu(), '/api/cron/crons/daily', {
      method: 'PUT',
      body: { schedule: '0 3 * * *', tz: 'Europe/Paris', meta: { kind: 'daily' } },
    });
    const list = await api<Job[]>(emu(), '/api/cron/crons?meta=kind:daily');
    expect(list.body.map((j) => j.name)).toEqual(['daily']);
    const before = list.body[0]!;
    const re = await api<Job>(emu(), '/api/cron/crons/daily', {
      method: 'PUT',
      body: { schedule: '30 4 * * *', tz: 'Europe/Paris', token: before.token, state: 'active' },
    });
    expect(re.status).toBe(200);
    expect(re.body.next_available_at).not.toBe(before.next_available_at);
    const hour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(
      new Date(re.body.next_available_at),
    );
    expect(hour).toBe('04:30');
  });

  it('runs a job now through the admin API', async () => {
    const r = await api<Hist>(emu(), '/admin/cron/crons/daily/run', { method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: 'success', statusCode: 200 });
  });

  it('rejects bad input with clear messages', async () => {
    const bad = async (body: unknown) =>
      (await api<{ code: number; message: string }>(emu(), '/api/cron/crons/daily', { method: 'PUT', body })).body;
    expect((await bad({})).message).toMatch(/schedule is required/);
    expect((await bad({ schedule: '* * * * * *' })).message).toMatch(/5 fields/);
    expect((await bad({ schedule: '61 * * * *' })).message).toMatch(/not a valid cron expression/);
    expect((await bad({ schedule: '* * * * *', tz: 'Mars/Olympus' })).message).toMatch(/not a known IANA time zone/);
    expect((await bad({ schedule: '* * * * *', state: 'paused' })).message).toMatch(/active.*inactive/);
    expect((await bad({ schedule: '* * * * *', token: 'nope' })).message).toMatch(/token is not valid/);
    const noWebtask = await api<{ message: string }>(emu(), '/api/cron/crons/ghost', { method: 'PUT', body: { schedule: '* * * * *' } });
    expect(noWebtask.status).toBe(404);
    expect((await api(emu(), '/api/cron/crons/ghost/history')).status).toBe(404);
    expect((await api(emu(), '/api/cron/crons/daily/state', { method: 'PUT', body: { state: 'on' } })).status).toBe(400);
    const otherTenant = await api<{ message: string }>(emu(), '/api/cron/crons', { token: emu().issueToken({ ten: 'elsewhere' }) });
    expect(otherTenant.body.message).toBe('not authorized to perform operation on tenant `crons`');
  });

  it('keeps only the last 100 runs', async () => {
    // 60000x: one run per scheduler tick.
    const fast = await startEmulator({ port: 0, quiet: true, clockSpeed: 60_000 });
    try {
      await api(fast, '/api/webtask/c/fast', { method: 'PUT', body: { code: 'module.exports = cb => cb(null, 1)' } });
      await api(fast, '/api/cron/c/fast', { method: 'PUT', body: { schedule: '* * * * *' } });
      await waitFor(async () => (await api<Job>(fast, '/api/cron/c/fast')).body.run_count > 105, 20_000);
      const all = await api<Hist[]>(fast, '/api/cron/c/fast/history?limit=100&offset=0');
      expect(all.body).toHaveLength(100);
      expect((await api<Hist[]>(fast, '/api/cron/c/fast/history?offset=100')).body).toHaveLength(0);
    } finally {
      await fast.close();
    }
  });
});

// The live tail against the emulator, through the host (handlers, pump, acks): order, resume across
// dropped connections, gap markers without resume, 403/404 without a reconnect storm, no token leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logsTuning, openTailCount } from '../../core/host/features/logs';
import { useEmulator } from '../helpers/emulator';
import { hostOnEmulator, sleep, until } from '../helpers/logs';

const emu = useEmulator({ seed: 'empty', logPingMs: 200, logBufferSize: 5000 });

beforeAll(() => {
  logsTuning.stream = { backoff: { initialMs: 100, maxMs: 2_000 }, silenceTimeoutMs: 3_000, statusIntervalMs: 200 };
});
afterAll(() => {
  logsTuning.stream = {};
});

const seqOf = (msg: string): number => Number(/#(\d+)$/.exec(msg)?.[1] ?? NaN);

/** Emits `total` records at about `perSec`, each msg ending in "#<n>". */
async function emitSteadily(container: string, total: number, perSec: number): Promise<void> {
  const started = Date.now();
  for (let i = 1; i <= total;) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * perSec) + 1);
    for (; i <= due; i++) emu().emitLog(container, { msg: `line #${i}`, level: 30, sandbox: true });
    await sleep(10);
  }
}

describe('live tail against the emulator', () => {
  it('delivers lines in order, as bunyan records with level, time and sandbox', async () => {
    const t = await hostOnEmulator(emu());
    try {
      const id = await t.open('order');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      for (let i = 1; i <= 500; i++) emu().emitLog('order', { msg: `line #${i}`, level: i % 2 ? 30 : 50, sandbox: i % 3 === 0 });
      await until(() => t.rec.lines.filter((l) => l.kind === 'rec').length >= 500, 10_000, '500 lines');
      const recs = t.rec.lines.filter((l) => l.kind === 'rec').slice(0, 500);
      expect(recs.map((l) => seqOf(l.msg))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(recs[0]!.level).toBe(30);
      expect(recs[1]!.level).toBe(50);
      expect(recs[2]!.sb).toBe(1);
      expect(recs[0]!.sb).toBeUndefined();
      expect(typeof recs[0]!.t).toBe('number');
      // Records' JSON travels only while the pane pretty-prints; what is kept can be fetched.
      expect(recs[0]!.json).toBeUndefined();
      const kept = await t.host.call('logs.records', { streamId: id, from: recs[0]!.n }, t.session);
      expect(kept.ok && (kept.data as { records: Array<{ n: number; json: string }> }).records.length).toBe(500);
      expect(JSON.parse((kept as { data: { records: Array<{ json: string }> } }).data.records[0]!.json)).toMatchObject({
        msg: 'line #1',
        container: 'order',
      });
      expect((await t.host.call('logs.options', { streamId: id, json: true }, t.session)).ok).toBe(true);
      emu().emitLog('order', { msg: 'line #501', level: 30 });
      await until(() => t.rec.lines.some((l) => l.msg === 'line #501'), 5_000, 'line 501');
      expect(JSON.parse(t.rec.lines.find((l) => l.msg === 'line #501')!.json!)).toMatchObject({ msg: 'line #501' });
      // Batched: far fewer events than lines.
      expect(t.rec.batches).toBeLessThan(100);
      expect(t.rec.lines.filter((l) => l.kind === 'gap')).toEqual([]);
    } finally {
      t.close();
    }
  });

  it('reconnects a stream dropped every ~700 ms with no lost or repeated line when resume is offered', async () => {
    const rule = emu().faults.add({ path: '/api/logs/tenant/resumed', drop: 'mid-stream', dropAfterMs: 700 });
    const t = await hostOnEmulator(emu());
    try {
      await t.open('resumed');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      await emitSteadily('resumed', 1500, 400);
      await until(() => t.rec.lines.filter((l) => l.kind === 'rec').length >= 1500, 15_000, 'all 1500 lines');
      await sleep(300);
      const seqs = t.rec.lines.filter((l) => l.kind === 'rec').map((l) => seqOf(l.msg));
      expect(seqs).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
      expect(t.rec.lines.filter((l) => l.kind === 'gap')).toEqual([]);
      const st = t.lastStatus()!;
      expect(st.resume).toBe(true);
      expect(st.connects).toBeGreaterThanOrEqual(4);
      expect(st.gaps).toBe(0);
      expect(
        emu()
          .faults.list()
          .find((r) => r.id === rule.id)!.hits,
      ).toBeGreaterThanOrEqual(4);
    } finally {
      emu().faults.remove(rule.id);
      t.close();
    }
  });

  it('shows a gap marker (from, to, lines possibly missed) when the server offers no resume', async () => {
    emu().setLogResume('noresume', false);
    const rule = emu().faults.add({ path: '/api/logs/tenant/noresume', drop: 'mid-stream', dropAfterMs: 700 });
    const t = await hostOnEmulator(emu());
    try {
      await t.open('noresume');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      await emitSteadily('noresume', 800, 400);
      await until(() => (t.lastStatus()?.connects ?? 0) >= 3 && t.lastStatus()?.state === 'connected', 10_000, 'reconnects');
      await sleep(300);
      const gaps = t.rec.lines.filter((l) => l.kind === 'gap');
      expect(gaps.length).toBeGreaterThanOrEqual(2);
      for (const g of gaps) {
        expect(g.gap!.missed).toBeNull();
        expect(g.gap!.to).toBeGreaterThanOrEqual(g.gap!.from);
        expect(g.msg).toMatch(/may be missing/);
      }
      expect(t.lastStatus()!.resume).toBe(false);
      expect(t.lastStatus()!.gaps).toBe(gaps.length);
      // What arrived is still in order.
      const seqs = t.rec.lines.filter((l) => l.kind === 'rec').map((l) => seqOf(l.msg));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      emu().faults.remove(rule.id);
      t.close();
    }
  });

  it('counts the lines it missed when resume ids jump (the server no longer holds them)', async () => {
    // A tiny ring: the server cannot replay what was said while we were away.
    const t = await hostOnEmulator(emu());
    // The first connection is cut after 800 ms; then reconnects are refused while more is said than
    // the server's ring (5000) holds.
    const cut = emu().faults.add({ path: '/api/logs/tenant/jump', drop: 'mid-stream', dropAfterMs: 800, count: 1 });
    try {
      await t.open('jump');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      emu().emitLog('jump', { msg: 'line #1' });
      await until(() => t.rec.lines.some((l) => l.kind === 'rec'), 5_000, 'first line');
      const block = emu().faults.add({ path: '/api/logs/tenant/jump', status: 503 });
      await until(() => t.lastStatus()?.state === 'reconnecting', 5_000, 'reconnecting');
      emu().faults.remove(cut.id);
      for (let i = 2; i <= 6001; i++) emu().emitLog('jump', { msg: `line #${i}` });
      emu().faults.remove(block.id);
      await until(() => t.rec.lines.some((l) => l.kind === 'rec' && seqOf(l.msg) === 6001), 10_000, 'last line');
      const gap = t.rec.lines.find((l) => l.kind === 'gap');
      expect(gap?.gap?.missed).toBe(1000);
      expect(gap?.msg).toMatch(/1000 line\(s\) missed/);
      await until(() => t.lastStatus()?.missed === 1000, 2_000, 'the status to count 1000 missed');
    } finally {
      t.close();
    }
  });

  it('stops on 403 with the server message and does not hammer the cluster', async () => {
    const counter = emu().faults.add({ path: '/api/logs/tenant/forbidden', latencyMs: 1 });
    const t = await hostOnEmulator({ url: emu().url, masterToken: emu().issueToken({ ten: 'someone-else' }) });
    try {
      await t.open('forbidden');
      await until(() => t.lastStatus()?.state === 'stopped', 5_000, 'stopped');
      await sleep(1_500);
      const st = t.lastStatus()!;
      expect(st.state).toBe('stopped');
      expect(st.reason).toMatch(/HTTP 403/);
      expect(st.reason).toMatch(/not authorized to perform operation on tenant/);
      expect(
        emu()
          .faults.list()
          .find((r) => r.id === counter.id)!.hits,
      ).toBe(1);
      expect(t.rec.lines.find((l) => l.kind === 'info')?.msg).toMatch(/Stopped: .*403/);
    } finally {
      emu().faults.remove(counter.id);
      t.close();
    }
  });

  it('stops on 404 with a clear message, one request only, and retries only when asked', async () => {
    const notFound = emu().faults.add({ path: '/api/logs/tenant/nosuch', status: 404 });
    const t = await hostOnEmulator(emu());
    try {
      const id = await t.open('nosuch');
      await until(() => t.lastStatus()?.state === 'stopped', 5_000, 'stopped');
      await sleep(1_500);
      expect(t.lastStatus()!.reason).toMatch(/No log stream for container "nosuch".*HTTP 404/);
      expect(
        emu()
          .faults.list()
          .find((r) => r.id === notFound.id)!.hits,
      ).toBe(1);
      emu().faults.remove(notFound.id);
      const r = await t.host.call('logs.retry', { streamId: id }, t.session);
      expect(r.ok).toBe(true);
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected after retry');
    } finally {
      t.close();
    }
  });

  it('backs off exponentially on 5xx (few requests in 3 s) and recovers', async () => {
    const failing = emu().faults.add({ path: '/api/logs/tenant/flaky', status: 503 });
    const t = await hostOnEmulator(emu());
    try {
      await t.open('flaky');
      await sleep(3_000);
      const hits = emu()
        .faults.list()
        .find((r) => r.id === failing.id)!.hits;
      // 100, 200, 400, 800, 1600 ms steps (with jitter >= half): at most 6 tries in 3 s, never a storm.
      expect(hits).toBeGreaterThanOrEqual(3);
      expect(hits).toBeLessThanOrEqual(7);
      // The status that decided the last wait (a periodic one during the attempt itself has no wait left).
      const st = t.rec.statuses.filter((s) => s.nextTryAt !== undefined).at(-1)!;
      expect(t.lastStatus()!.state).toBe('reconnecting');
      expect(st.reason).toMatch(/HTTP 503/);
      expect(st.attempt).toBeGreaterThanOrEqual(3);
      expect(st.nextTryAt).toBeGreaterThan(Date.now() - 2_500);
      emu().faults.remove(failing.id);
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
    } finally {
      t.close();
    }
  });

  it("closes a renderer's tails when its session goes away, and refuses another session's stream ids", async () => {
    const a = await hostOnEmulator(emu());
    const b = await hostOnEmulator(emu());
    try {
      const before = openTailCount();
      const id = await a.open('owned');
      await until(() => a.lastStatus()?.state === 'connected', 5_000, 'connected');
      expect(openTailCount()).toBe(before + 1);
      // Another session (another window) cannot read, retry or close it.
      const foreign = await b.host.call('logs.buffer', { streamId: id }, b.session);
      expect(foreign.ok).toBe(false);
      expect(!foreign.ok && foreign.error.code).toBe('not_found');
      expect((await b.host.call('logs.close', { streamId: id }, b.session)).ok && openTailCount()).toBe(before + 1);
      a.session.close();
      await until(() => openTailCount() === before, 5_000, 'tail closed');
    } finally {
      a.close();
      b.close();
    }
  });

  it('never lets the token reach an event, a status or a saved buffer', async () => {
    const t = await hostOnEmulator(emu());
    try {
      const id = await t.open('leaky');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      emu().emitLog('leaky', { msg: `a customer printed ${emu().masterToken} and ${encodeURIComponent(emu().masterToken)}` });
      await until(() => t.rec.lines.some((l) => l.kind === 'rec'), 5_000, 'line');
      const buf = await t.host.call('logs.buffer', { streamId: id }, t.session);
      expect(buf.ok).toBe(true);
      const all = t.rec.wire.join('\n') + JSON.stringify(buf);
      expect(all).not.toContain(emu().masterToken);
      expect(all).not.toContain(encodeURIComponent(emu().masterToken));
      expect(all).toContain('[redacted]');
    } finally {
      t.close();
    }
  });
});

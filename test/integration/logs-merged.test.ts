// A merged tail of several containers against the emulator over real sockets, through the host
// (handlers, one pump, acks): lines from every container, each tagged; one container cut off without
// resume shows its own gap marker while the others lose nothing; mute; save names the container; the
// 51st container is refused; lock stops the whole merge with one line saying why.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStatus } from '../../common/contract';
import { newStreamId } from '../../common/contract';
import { logsTuning, openTailCount } from '../../core/host/features/logs';
import { useEmulator } from '../helpers/emulator';
import { hostOnEmulator, sleep, until } from '../helpers/logs';

const emu = useEmulator({ seed: 'empty', logPingMs: 200, logBufferSize: 5000 });

beforeAll(() => {
  logsTuning.stream = { backoff: { initialMs: 100, maxMs: 1_000 }, silenceTimeoutMs: 3_000, statusIntervalMs: 200 };
});
afterAll(() => {
  logsTuning.stream = {};
});

const seqOf = (msg: string): number => Number(/#(\d+)$/.exec(msg)?.[1] ?? NaN);
const member = (s: LogStatus | undefined, c: string) => s?.members?.find((m) => m.container === c);

/** Emits `total` records into each container at about `perSec` each, each msg ending in "#<n>". */
async function emitSteadily(containers: string[], total: number, perSec: number): Promise<void> {
  const started = Date.now();
  for (let i = 1; i <= total;) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * perSec) + 1);
    for (; i <= due; i++) for (const c of containers) emu().emitLog(c, { msg: `${c} line #${i}`, level: 30, sandbox: true });
    await sleep(10);
  }
}

describe('merged tail against the emulator', () => {
  it('merges 4 containers; the one cut off shows its gap, the other three lose nothing', async () => {
    const cs = ['mg-a', 'mg-b', 'mg-c', 'mg-cut'];
    emu().setLogResume('mg-cut', false);
    // mg-cut's first connection is dropped mid-stream, while lines flow into all four.
    const rule = emu().faults.add({ path: '/api/logs/tenant/mg-cut', drop: 'mid-stream', dropAfterMs: 700, count: 1 });
    const t = await hostOnEmulator(emu());
    try {
      const r = await t.host.call('logs.open', { containers: cs, streamId: newStreamId() }, t.session);
      expect(r.ok).toBe(true);
      await until(() => cs.every((c) => member(t.lastStatus(), c)?.state === 'connected'), 10_000, 'all connected');
      await emitSteadily(cs, 600, 400);
      const recsOf = (c: string) => t.rec.lines.filter((l) => l.container === c && l.kind === 'rec');
      await until(() => ['mg-a', 'mg-b', 'mg-c'].every((c) => recsOf(c).length >= 600), 20_000, 'every line of the three');
      await until(() => t.rec.lines.some((l) => l.container === 'mg-cut' && l.kind === 'gap'), 10_000, 'the gap of mg-cut');
      for (const c of ['mg-a', 'mg-b', 'mg-c']) {
        expect(recsOf(c).map((l) => seqOf(l.msg))).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
        expect(t.rec.lines.filter((l) => l.container === c && l.kind !== 'rec')).toEqual([]);
      }
      const gap = t.rec.lines.find((l) => l.container === 'mg-cut' && l.kind === 'gap')!;
      expect(gap.msg).toMatch(/may be missing/);
      // Every line has its container; numbers run once across the merge.
      expect(t.rec.lines.every((l) => cs.includes(l.container!))).toBe(true);
      const ns = t.rec.lines.map((l) => l.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(new Set(ns).size).toBe(ns.length);
      await until(() => (member(t.lastStatus(), 'mg-cut')?.gaps ?? 0) >= 1, 5_000, 'the gap on the chip');
      expect(member(t.lastStatus(), 'mg-a')!.gaps).toBe(0);
      expect(t.lastStatus()!.members!.map((m) => m.container)).toEqual(cs);
    } finally {
      emu().faults.remove(rule.id);
      t.close();
    }
  });

  it("mutes one container, saves NDJSON naming each line's container, refuses a 51st, and lock stops it all with one line", async () => {
    const cs = ['mm-a', 'mm-b', 'mm-c'];
    const t = await hostOnEmulator(emu());
    try {
      const tooMany = Array.from({ length: 51 }, (_, i) => `mm-${i}`);
      const refused = await t.host.call('logs.open', { containers: tooMany, streamId: newStreamId() }, t.session);
      expect(refused.ok).toBe(false);
      expect(JSON.stringify(refused)).toMatch(/At most 50 containers/);

      const streamId = newStreamId();
      expect((await t.host.call('logs.open', { containers: cs, streamId }, t.session)).ok).toBe(true);
      await until(() => cs.every((c) => member(t.lastStatus(), c)?.state === 'connected'), 10_000, 'all connected');
      expect((await t.host.call('logs.mute', { streamId, container: 'mm-b', muted: true }, t.session)).ok).toBe(true);
      await until(() => member(t.lastStatus(), 'mm-b')?.muted === true, 5_000, 'muted on the chip');
      for (let i = 1; i <= 20; i++) for (const c of cs) emu().emitLog(c, { msg: `${c} #${i}` });
      await until(() => t.rec.lines.filter((l) => l.kind === 'rec').length >= 40, 10_000, '40 lines');
      await until(() => member(t.lastStatus(), 'mm-b')?.mutedLines === 20, 5_000, 'muted count');
      expect(t.rec.lines.filter((l) => l.container === 'mm-b')).toEqual([]);

      const buf = await t.host.call('logs.buffer', { streamId }, t.session);
      if (!buf.ok) throw new Error(buf.error.message);
      const saved = buf.data.text
        .trim()
        .split('\n')
        .map((s) => JSON.parse(s) as { container: string; msg: string });
      expect(saved).toHaveLength(40);
      for (const rec of saved) expect(rec.msg.startsWith(`${rec.container} #`)).toBe(true);

      // Record to disk: every line read names its own container (muted ones too: the file is the whole tail).
      const rec = await t.host.call('logs.record.start', { streamId, suggestedName: 'merged.ndjson' }, t.session);
      if (!rec.ok || rec.data.outcome !== 'recording') throw new Error('record.start failed');
      for (const c of cs) emu().emitLog(c, { msg: `${c} recorded` });
      await until(() => t.rec.lines.filter((l) => l.msg.endsWith(' recorded')).length >= 2, 10_000, 'recorded lines shown');
      const stopped = await t.host.call('logs.record.stop', { streamId }, t.session);
      if (!stopped.ok) throw new Error(stopped.error.message);
      const recorded = readFileSync(rec.data.status!.path!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { container: string; record: { msg: string } });
      expect(recorded.map((r) => `${r.container}:${r.record.msg}`).sort()).toEqual(cs.map((c) => `${c}:${c} recorded`));

      const before = openTailCount();
      expect(await t.deps.flows.closeAll('The console was locked.')).toBeGreaterThanOrEqual(1);
      expect(openTailCount()).toBe(before - 1);
      expect(t.rec.lines.at(-1)).toMatchObject({ kind: 'info', msg: 'Stopped: The console was locked.' });
      expect(t.rec.lines.filter((l) => l.kind === 'info')).toHaveLength(1);
      expect(t.lastStatus()!.members!.map((m) => m.state)).toEqual(['stopped', 'stopped', 'stopped']);
    } finally {
      t.close();
    }
  });
});

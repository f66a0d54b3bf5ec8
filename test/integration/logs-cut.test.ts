// The server ends every stream after a while (the real cluster: 30 minutes; here: 1 s). With resume
// the cut is invisible: no gap, no notice, no lost or repeated line, the pane keeps following.
// Also: lines travel in batches (far fewer events than lines).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logsTuning } from '../../core/host/features/logs';
import { useEmulator } from '../helpers/emulator';
import { hostOnEmulator, sleep, until } from '../helpers/logs';

const emu = useEmulator({ seed: 'empty', logPingMs: 200, logMaxStreamMs: 1_000, logBufferSize: 5_000 });

beforeAll(() => {
  // healthyAfterMs below the cut: a clean end of a stream that lived that long reconnects at once.
  logsTuning.stream = { backoff: { initialMs: 100, maxMs: 2_000 }, healthyAfterMs: 800, statusIntervalMs: 200 };
});
afterAll(() => {
  logsTuning.stream = {};
});

describe("the server's periodic cut", () => {
  it('is invisible with resume: every line once, no gap, no notice, reconnected at once', async () => {
    const t = await hostOnEmulator(emu());
    try {
      await t.open('cut');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      const started = Date.now();
      let sent = 0;
      while (Date.now() - started < 4_500) {
        for (let i = 0; i < 5; i++) emu().emitLog('cut', { msg: `line #${++sent}`, level: 30 });
        await sleep(10);
      }
      await until(() => t.rec.lines.filter((l) => l.kind === 'rec').length >= sent, 10_000, `all ${sent} lines`);
      const seqs = t.rec.lines.filter((l) => l.kind === 'rec').map((l) => Number(/#(\d+)$/.exec(l.msg)![1]));
      expect(seqs).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
      expect(t.rec.lines.filter((l) => l.kind !== 'rec')).toEqual([]);
      const st = t.lastStatus()!;
      expect(st.connects).toBeGreaterThanOrEqual(4);
      expect(st.gaps).toBe(0);
      // Reconnects after a clean cut wait no backoff: the user never sees "reconnecting" for long.
      // (Only the status that decides the wait carries nextTryAt; a periodic status during the connect
      // itself, which a busy machine makes likely, says "reconnecting" with no wait left.)
      const waits = t.rec.statuses.flatMap((s, i) =>
        s.state === 'reconnecting' && s.nextTryAt !== undefined ? [s.nextTryAt - t.rec.statusTimes[i]!] : [],
      );
      expect(waits.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...waits)).toBeLessThan(50);
      // Batched: a quiet pipe sends what one read brought at once (no ~16 ms wait), never line by line.
      expect(t.rec.batches).toBeLessThan(sent / 3);
    } finally {
      t.close();
    }
  });

  it('leaves no marker on a quiet stream that was cut and reopened at once', async () => {
    const t = await hostOnEmulator(emu());
    try {
      await t.open('quiet');
      await until(() => (t.lastStatus()?.connects ?? 0) >= 3, 10_000, 'three connections');
      expect(t.rec.lines).toEqual([]);
      emu().emitLog('quiet', { msg: 'finally something' });
      await until(() => t.rec.lines.length === 1, 5_000, 'the line');
      expect(t.rec.lines[0]!.kind).toBe('rec');
    } finally {
      t.close();
    }
  });
});

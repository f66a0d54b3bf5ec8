// Progress arithmetic with a fake clock: a share done only when the end is known, an ETA only with evidence.
import { describe, expect, it } from 'vitest';
import { Progress } from '../../core/export/progress';
import type { ExportProgress } from '../../core/export/report';

function tracker(opts: { maxLogs?: number | null } = {}) {
  let now = 1_000_000;
  const events: ExportProgress[] = [];
  const p = new Progress({ onProgress: (e) => events.push(e), intervalMs: 0, maxLogs: opts.maxLogs ?? null, start: null, now: () => now });
  return { p, events, tick: (ms: number) => (now += ms), last: () => events.at(-1)! };
}
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();

describe('Progress', () => {
  it('with no head and no MAX_LOGS: neither a share nor an ETA, ever', () => {
    const { p, tick, last } = tracker();
    for (let i = 0; i < 100; i++) {
      p.noteLog(at(i));
      tick(100);
      p.emit(true);
      expect(last()).toMatchObject({ fraction: null, etaSeconds: null });
    }
  });

  it('from dates against the head, and no ETA in the first 2 s nor below 5 % done', () => {
    const { p, tick, last } = tracker();
    p.setHead('h', at(100));
    p.noteLog(at(0));
    p.noteLog(at(50));
    p.emit(true);
    expect(last()).toMatchObject({ fraction: 0.5, etaSeconds: null, head: 'h' }); // 0 s elapsed
    tick(2000);
    p.emit(true);
    expect(last().fraction).toBe(0.5);
    expect(last().etaSeconds).toBeCloseTo(2, 5); // half done in 2 s: 2 s to go
    const slow = tracker();
    slow.p.setHead('h', at(1000));
    slow.p.noteLog(at(0));
    slow.p.noteLog(at(20));
    slow.tick(10_000);
    slow.p.emit(true);
    expect(slow.last()).toMatchObject({ fraction: 0.02, etaSeconds: null });
  });

  it('from counts when MAX_LOGS bounds the run, and 1 / 0 s when done', () => {
    const { p, tick, last } = tracker({ maxLogs: 200 });
    for (let i = 0; i < 50; i++) p.noteLog(undefined);
    tick(3000);
    p.emit(true);
    expect(last().fraction).toBe(0.25);
    expect(last().etaSeconds).toBeCloseTo(9, 5);
    p.phase = 'done';
    p.emit(true);
    expect(last()).toMatchObject({ fraction: 1, etaSeconds: 0, total: 200 });
  });
});

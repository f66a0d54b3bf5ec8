// The pump's batching: an idle pipe sends at once (no window on top of the pane's frame), a busy one
// coalesces until the window passes or the pane acknowledges, a full batch goes at once, and the ack
// window still holds the core back.
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../common/contract';
import { Pump, type QueuedLine } from '../../core/logs';

function source() {
  const q: QueuedLine[] = [];
  let n = 0;
  return {
    push(count: number, bytes = 100) {
      for (let i = 0; i < count; i++) q.push({ line: { n: ++n, kind: 'rec', msg: `#${n}` }, full: '', bytes });
    },
    take(max: number) {
      const out: QueuedLine[] = [];
      let size = 0;
      while (q.length && (out.length === 0 || size + q[0]!.bytes <= max)) size += (out.push(q.shift()!), out.at(-1)!.bytes);
      return out;
    },
    get queued() {
      return q.length;
    },
    get queuedBytes() {
      return q.reduce((a, x) => a + x.bytes, 0);
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Pump', () => {
  it('counts a pipe with little in flight as idle: a slow tail is sent line by line, a flood coalesces', async () => {
    const src = source();
    const sent: number[] = [];
    const pump = new Pump(src, (_seq, lines) => sent.push(lines.length), { intervalMs: 60_000, idleBytes: 1_000 });
    try {
      for (let i = 0; i < 5; i++) {
        src.push(1);
        pump.notify();
        await turn();
      }
      // 500 bytes unacknowledged, under the idle mark: each went at once.
      expect(sent).toEqual([1, 1, 1, 1, 1]);
      src.push(6);
      pump.notify();
      await turn();
      expect(sent.length).toBe(6);
      // 1,100 bytes in flight now: the next lines wait for an ack (or the window).
      src.push(3);
      pump.notify();
      await turn();
      expect(sent.length).toBe(6);
      pump.ack(6);
      await turn();
      expect(sent.at(-1)).toBe(3);
    } finally {
      pump.close();
    }
  });

  it('sends at once when idle, coalesces while a batch is in flight, and sends what waits when the pane acks', async () => {
    const src = source();
    const sent: Array<{ seq: number; lines: LogLine[] }> = [];
    // A window far longer than the test: only idleness or an ack can send. Idle: nothing in flight.
    const pump = new Pump(src, (seq, lines) => sent.push({ seq, lines }), { intervalMs: 60_000, idleBytes: 0 });
    try {
      src.push(3);
      pump.notify();
      await turn();
      expect(sent.map((b) => b.lines.length)).toEqual([3]);
      // In flight: new lines wait...
      src.push(2);
      pump.notify();
      src.push(2);
      pump.notify();
      await turn();
      await turn();
      expect(sent.length).toBe(1);
      // ...until the pane acknowledges: then they go as one batch.
      pump.ack(1);
      await turn();
      expect(sent.map((b) => b.lines.length)).toEqual([3, 4]);
    } finally {
      pump.close();
    }
  });

  it('under load, sends after the window or at once when a full batch waits; the ack window blocks', async () => {
    const src = source();
    const sent: number[] = [];
    const pump = new Pump(src, (_seq, lines) => sent.push(lines.length), {
      intervalMs: 20,
      maxBatchBytes: 1_000,
      highWaterBytes: 2_000,
      lowWaterBytes: 1_000,
      idleBytes: 0,
    });
    try {
      src.push(1);
      pump.notify();
      await turn();
      src.push(2);
      pump.notify();
      await turn();
      expect(sent).toEqual([1]);
      await sleep(60);
      expect(sent).toEqual([1, 2]);
      src.push(25); // 2,500 bytes: full batches go at once until the window is full
      pump.notify();
      for (let i = 0; i < 5; i++) await turn();
      expect(sent.slice(2)).toEqual([10, 10]);
      expect(pump.unackedBytes).toBe(2_300);
      // Past the high mark: what is left waits, however long, until acks bring it under the low one.
      await sleep(80);
      expect(pump.isBlocked).toBe(true);
      expect(sent.length).toBe(4);
      pump.ack(4);
      for (let i = 0; i < 5; i++) await turn();
      expect(sent.slice(4)).toEqual([5]);
    } finally {
      pump.close();
    }
  });
});

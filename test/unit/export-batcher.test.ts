import { describe, expect, it } from 'vitest';
import { Batcher } from '../../core/export/batcher';
import type { Encoded } from '../../core/export/destinations/types';
import { backoffMs, retryAfterMs } from '../../core/export/retry';
import { dataCollectorSignature } from '../../core/export/destinations/azure-legacy';
import { withoutUnderscoreId } from '../../core/export/destinations/types';
import { createHmac } from 'node:crypto';

const cw = { maxEvents: 10_000, maxBytes: 1_048_576, perEventBytes: 26, maxSpanMs: 86_400_000 };
const ev = (i: number, bytes = 100, time = 1_700_000_000_000 + i): Encoded => ({ logId: String(i), time, bytes, payload: '' });

function fill(b: Batcher, items: Encoded[]): Encoded[][] {
  const out: Encoded[][] = [];
  for (const e of items) {
    if (!b.fits(e)) out.push(b.take());
    b.add(e);
  }
  if (b.size) out.push(b.take());
  return out;
}

describe('destination batcher (CloudWatch limits)', () => {
  it('caps a batch at 10,000 events', () => {
    const batches = fill(
      new Batcher(cw),
      Array.from({ length: 25_000 }, (_, i) => ev(i, 10)),
    );
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 5_000]);
  });

  it('caps a batch at 1,048,576 bytes counting 26 bytes per event', () => {
    const batches = fill(
      new Batcher(cw),
      Array.from({ length: 3000 }, (_, i) => ev(i, 1000)),
    );
    for (const b of batches) expect(b.reduce((a, e) => a + e.bytes + 26, 0)).toBeLessThanOrEqual(1_048_576);
    expect(batches[0]!.length).toBe(Math.floor(1_048_576 / 1026));
    expect(batches.flat().length).toBe(3000);
  });

  it('never lets a batch span more than 24 hours', () => {
    const h = 3600_000;
    const items = [0, 10 * h, 23 * h, 24 * h + 1, 30 * h, 49 * h].map((t, i) => ev(i, 10, t));
    const batches = fill(new Batcher(cw), items);
    expect(batches.map((b) => b.map((e) => e.logId))).toEqual([['0', '1', '2'], ['3', '4'], ['5']]);
  });

  it('counts span both ways (logs ordered by id are not always ordered by date)', () => {
    const h = 3600_000;
    const batches = fill(new Batcher(cw), [ev(0, 10, 30 * h), ev(1, 10, 5 * h)]);
    expect(batches.length).toBe(2);
  });
});

describe('retry timing', () => {
  it('grows exponentially with jitter, capped, and never zero', () => {
    const lo = () => 0;
    const hi = () => 0.999;
    expect(backoffMs(0, 100, 10_000, 0, lo)).toBe(50);
    expect(backoffMs(3, 100, 10_000, 0, hi)).toBeLessThanOrEqual(800);
    expect(backoffMs(3, 100, 10_000, 0, lo)).toBe(400);
    expect(backoffMs(30, 100, 10_000, 0, hi)).toBeLessThanOrEqual(10_000);
    expect(backoffMs(0, 1, 1, 0, lo)).toBeGreaterThanOrEqual(1);
  });

  it('waits at least what the server asked, plus a little jitter', () => {
    const w = backoffMs(0, 500, 30_000, 2000, () => 0.5);
    expect(w).toBeGreaterThanOrEqual(2000);
    expect(w).toBeLessThan(2300);
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('payload details', () => {
  it('signs the Data Collector body length in bytes, not UTF-16 units', () => {
    const key = Buffer.from('k3y').toString('base64');
    const body = JSON.stringify([{ user_name: 'Zoë 山田 🙂' }]);
    const date = 'Mon, 23 Nov 2026 10:00:00 GMT';
    const bytes = Buffer.byteLength(body);
    expect(bytes).not.toBe(body.length);
    const expected = createHmac('sha256', Buffer.from(key, 'base64'))
      .update(`POST\n${bytes}\napplication/json\nx-ms-date:${date}\n/api/logs`)
      .digest('base64');
    expect(dataCollectorSignature('ws', key, date, bytes)).toBe(`SharedKey ws:${expected}`);
    expect(dataCollectorSignature('ws', key, date, body.length)).not.toBe(`SharedKey ws:${expected}`);
  });

  it('sends _id as log_id (Elasticsearch refuses _id in a document)', () => {
    expect(withoutUnderscoreId({ _id: 'abc', log_id: 'abc', type: 's' })).toEqual({ log_id: 'abc', type: 's' });
    expect(withoutUnderscoreId({ _id: 'abc', type: 's' } as never)).toEqual({ log_id: 'abc', type: 's' });
  });
});

// Recording a tail to disk: every line as one NDJSON line, redacted, rotated at the cap with the
// oldest file deleted, and a write failure that stops the recording instead of throwing.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../common/contract';
import { LogRecorder, parseData, recordLine, rotatedPaths, type QueuedLine } from '../../core/logs';
import { tempDir } from '../helpers/host';
import { until } from '../helpers/logs';

const SECRET = 'sekret-token-value-123456';
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function rec(n: number, msg: string): QueuedLine {
  const p = parseData(JSON.stringify({ msg, level: 30, time: '2026-12-02T10:00:00.000Z', container: 'c1' }), String(n), {
    maxDisplayChars: 16_384,
  });
  p.line.n = n;
  return p;
}

const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('recordLine', () => {
  it('wraps the saved form of each kind with time, container, n and kind', () => {
    const r = JSON.parse(recordLine(rec(7, 'hello \u001b[31m'), 'acme'));
    expect(r).toMatchObject({ time: '2026-12-02T10:00:00.000Z', container: 'acme', n: 7, kind: 'rec' });
    expect(r.record).toMatchObject({ msg: 'hello \u001b[31m', container: 'c1' });
    const raw = parseData('not json \u0007', undefined, { maxDisplayChars: 100 });
    raw.line.n = 8;
    expect(JSON.parse(recordLine(raw, 'acme', Date.UTC(2026, 0, 1)))).toMatchObject({
      kind: 'raw',
      raw: 'not json \\u0007',
      time: '2026-01-01T00:00:00.000Z',
    });
    const gap: QueuedLine = { line: { n: 9, kind: 'gap', msg: 'Gap', t: 0 } as LogLine, full: '{"gap":{"missed":3}}', bytes: 10 };
    expect(JSON.parse(recordLine(gap, 'acme'))).toMatchObject({ kind: 'gap', marker: { gap: { missed: 3 } } });
    // A record whose JSON has a newline as whitespace stays one line.
    const multi = parseData('{"msg":"a",\n"level":30}', undefined, { maxDisplayChars: 100 });
    expect(recordLine(multi, 'acme')).not.toContain('\n');
    expect(JSON.parse(recordLine(multi, 'acme')).record).toEqual({ msg: 'a', level: 30 });
  });
});

describe('record times', () => {
  it('match Date.parse across second, minute and day edges, in other formats too (the per-second cache)', () => {
    const times = [
      '2026-12-02T10:00:00.999Z',
      '2026-12-02T10:00:01.000Z',
      '2026-12-02T10:00:01.007Z',
      '2026-12-02T10:00:01.070Z',
      '2026-12-02T10:59:59.500Z',
      '2026-12-03T00:00:00.001Z',
      '2026-12-03T00:00:00Z',
      '2026-12-03T00:00:00.001+02:00',
      '2026-12-03T00:00:00.002Z',
      'not a time',
    ];
    for (const time of times) {
      const t = parseData(JSON.stringify({ time, msg: 'x' }), undefined, { maxDisplayChars: 100 }).line.t;
      expect([time, t]).toEqual([time, Number.isFinite(Date.parse(time)) ? Date.parse(time) : undefined]);
    }
  });
});

describe('LogRecorder', () => {
  it('rotates at the cap, keeps N older files, deletes the oldest, and never splits a line', async () => {
    const dir = tempDir('esc-rec-');
    dirs.push(dir);
    const path = join(dir, 'tail.ndjson');
    const cap = 4_096;
    const r = await LogRecorder.start({
      path,
      container: 'acme',
      redact: (t) => t.replaceAll(SECRET, '[redacted]'),
      fileCapBytes: cap,
      keepFiles: 2,
    });
    const total = 400;
    for (let i = 1; i <= total; i++) r.add(rec(i, `line #${i} ${i % 50 === 0 ? SECRET : ''}`));
    const final = await r.stop();
    expect(final.lines).toBe(total);
    const files = rotatedPaths(path, 2);
    expect(files).toEqual([path, join(dir, 'tail.1.ndjson'), join(dir, 'tail.2.ndjson')]);
    expect(existsSync(join(dir, 'tail.3.ndjson'))).toBe(false);
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(cap);
    // What is left is the newest lines, whole and in order, oldest file first.
    const kept = [...files]
      .reverse()
      .flatMap(linesOf)
      .map((l) => JSON.parse(l) as { n: number; record: { msg: string } });
    const ns = kept.map((k) => k.n);
    expect(ns.at(-1)).toBe(total);
    expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => total - ns.length + 1 + i));
    // Files started: more than were kept, so the oldest ones were deleted.
    expect(final.files).toBeGreaterThan(3);
    expect(ns.length).toBeLessThan(total);
    const text = files.map((f) => readFileSync(f, 'utf8')).join('');
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[redacted]');
    expect(final.bytes).toBeGreaterThan(cap * (final.files - 1));
  });

  it('appends to an existing file and counts its size towards the cap', async () => {
    const dir = tempDir('esc-rec-');
    dirs.push(dir);
    const path = join(dir, 'x.ndjson');
    const first = await LogRecorder.start({ path, container: 'a', redact: (t) => t, fileCapBytes: 1_000, keepFiles: 1 });
    first.add(rec(1, 'x'.repeat(600)));
    await first.stop();
    const second = await LogRecorder.start({ path, container: 'a', redact: (t) => t, fileCapBytes: 1_000, keepFiles: 1 });
    second.add(rec(2, 'y'.repeat(600)));
    await second.stop();
    expect(linesOf(join(dir, 'x.1.ndjson')).map((l) => JSON.parse(l).n)).toEqual([1]);
    expect(linesOf(path).map((l) => JSON.parse(l).n)).toEqual([2]);
  });

  it('stops and says why when the file cannot be written', async () => {
    const dir = tempDir('esc-rec-');
    dirs.push(dir);
    const path = join(dir, 'gone.ndjson');
    const errors: Error[] = [];
    const r = await LogRecorder.start({
      path,
      container: 'a',
      redact: (t) => t,
      fileCapBytes: 200,
      keepFiles: 1,
      onError: (e) => errors.push(e),
    });
    // The folder disappears: the rotation's new file cannot be opened.
    rmSync(dir, { recursive: true, force: true });
    for (let i = 1; i <= 20; i++) r.add(rec(i, 'z'.repeat(100)));
    await until(() => errors.length > 0, 5_000, 'the write error');
    r.add(rec(21, 'after the failure'));
    const final = await r.stop();
    expect(errors.length).toBe(1);
    expect(final.lines).toBeLessThan(20);
    expect(final.error).toMatch(/ENOENT/);
  });
});

// TailController without a browser: a fake core (calls recorded, events pushed by the test), a fake
// terminal that parses "later" as xterm does, and frames on setImmediate (for the paint probe). Pause, follow, held acks,
// 50,000 lines, filters, and events scoped to their stream.
import { describe, expect, it } from 'vitest';
import type { Channel, EventPayload, Input, LogLine, Output, Topic } from '../../common/contract';
import { PANE_FRAME_CHARS, PANE_WAIT_CAP } from '../../common/logs-flow';
import { streamRouter } from '../../renderer/src/api/routes';
import { TailController, type PaneTerminal, type TailApi } from '../../renderer/src/features/logs/controller';

/** A fake core: answers calls, records them, and lets the test emit events on the one bus all tabs share. */
function fakeCore() {
  const calls: Array<{ channel: Channel; input: unknown }> = [];
  const subs = new Map<string, Set<(p: unknown) => void>>();
  const subscribe = <T extends Topic>(topic: T, fn: (p: EventPayload<T>) => void) => {
    let s = subs.get(topic);
    if (!s) subs.set(topic, (s = new Set()));
    s.add(fn as (p: unknown) => void);
    return () => s.delete(fn as (p: unknown) => void);
  };
  const api: TailApi = {
    async call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>> {
      calls.push({ channel, input });
      if (channel === 'logs.open') return { streamId: (input as { streamId: string }).streamId, container: 'c', cluster: 'h' } as Output<C>;
      if (channel === 'logs.buffer') return { text: '', lines: 0, bytes: 0, oldestDropped: 0 } as Output<C>;
      return { ok: true } as Output<C>;
    },
    listen: streamRouter(subscribe),
    errorMessage: (e) => String(e),
  };
  const emit = (topic: Topic, payload: unknown) => {
    for (const fn of subs.get(topic) ?? []) fn(payload);
  };
  const acks = (streamId: string) =>
    calls
      .filter((c) => c.channel === 'logs.ack' && (c.input as { streamId: string }).streamId === streamId)
      .map((c) => (c.input as { seq: number }).seq);
  return { api, calls, emit, acks };
}

/** Parses "asynchronously" like xterm: the write callback runs on a later turn. */
class FakeTerminal implements PaneTerminal {
  cols = 120;
  writes: string[] = [];
  resets = 0;
  scrolls = 0;
  disposed = false;
  write(text: string, done: () => void): void {
    this.writes.push(text);
    setImmediate(done);
  }
  reset(): void {
    this.resets++;
  }
  scrollToBottom(): void {
    this.scrolls++;
  }
  getSelection(): string {
    return '';
  }
  find(): boolean {
    return false;
  }
  clearSearch(): void {}
  dispose(): void {
    this.disposed = true;
  }
  /** Every message written since the last reset, in order ("#<n>" markers). */
  numbers(): number[] {
    return [...this.writes.join('').matchAll(/line #(\d+)/g)].map((m) => Number(m[1]));
  }
}

const frames = {
  request: (cb: () => void) => setImmediate(cb) as unknown as number,
  cancel: (id: number) => clearImmediate(id as unknown as NodeJS.Immediate),
};

async function tab(core: ReturnType<typeof fakeCore>, filter = {}) {
  const term = new FakeTerminal();
  const c = new TailController('acme', undefined, filter, { api: core.api, terminal: term, frames });
  await c.start();
  return { c, term };
}

let n = 0;
const batch = (count: number, extra: Partial<LogLine> = {}): LogLine[] =>
  Array.from({ length: count }, () => ({ n: ++n, kind: 'rec' as const, msg: `line #${n}`, level: 30, ...extra }));

/** Lets frames and write callbacks run until `done` holds (or, without one, for a few turns); bounded. */
async function settle(done?: () => boolean): Promise<void> {
  for (let i = 0; i < (done ? 50_000 : 50); i++) {
    if (done?.()) return;
    await new Promise((r) => setImmediate(r));
  }
  if (done && !done()) throw new Error('did not settle');
}

describe('TailController', () => {
  it('chooses its stream id, listens before it opens, and sees only its own stream', async () => {
    const core = fakeCore();
    const a = await tab(core);
    const b = await tab(core);
    expect(a.c.streamId).not.toBe(b.c.streamId);
    const open = core.calls.find((x) => x.channel === 'logs.open')!;
    expect(open.input).toMatchObject({ container: 'acme', streamId: a.c.streamId });
    // An event that arrives with the answer to logs.open, or before it, is placed: the tab already listens.
    n = 0;
    core.emit('logs.batch', { streamId: a.c.streamId, seq: 1, lines: batch(3) });
    core.emit('logs.status', {
      streamId: b.c.streamId,
      container: 'acme',
      state: 'stopped',
      attempt: 0,
      resume: null,
      lines: 0,
      raw: 0,
      dropped: 0,
      gaps: 0,
      missed: 0,
      linesPerSec: 0,
      queued: 0,
      backpressure: false,
      connects: 0,
    });
    await settle();
    expect(a.term.numbers()).toEqual([1, 2, 3]);
    expect(b.term.writes).toEqual([]);
    expect(b.c.getSnapshot().status?.state).toBe('stopped');
    expect(a.c.getSnapshot().status).toBeNull();
    expect(core.acks(a.c.streamId)).toEqual([1]);
    expect(core.acks(b.c.streamId)).toEqual([]);
    a.c.dispose();
    expect(core.calls.at(-1)).toEqual({ channel: 'logs.close', input: { streamId: a.c.streamId } });
    expect(a.term.disposed).toBe(true);
    // After dispose nothing of that stream reaches it.
    core.emit('logs.batch', { streamId: a.c.streamId, seq: 2, lines: batch(1) });
    await settle();
    expect(a.term.numbers()).toEqual([1, 2, 3]);
  });

  it('writes 50,000 lines in order, each frame bounded, each batch acknowledged after the terminal parsed it', async () => {
    const core = fakeCore();
    const { c, term } = await tab(core);
    n = 0;
    for (let seq = 1; seq <= 50; seq++) core.emit('logs.batch', { streamId: c.streamId, seq, lines: batch(1_000) });
    // Nothing is acknowledged before the terminal says it parsed it.
    expect(core.acks(c.streamId)).toEqual([]);
    await settle(() => core.acks(c.streamId).at(-1) === 50);
    expect(term.numbers()).toEqual(Array.from({ length: 50_000 }, (_, i) => i + 1));
    // A frame stops taking batches past the frame budget: at most one batch (~70 KB here) beyond it.
    expect(Math.max(...term.writes.map((w) => w.length))).toBeLessThan(PANE_FRAME_CHARS + 100_000);
    const acks = core.acks(c.streamId);
    expect(acks.at(-1)).toBe(50);
    expect(acks).toEqual([...acks].sort((x, y) => x - y));
    expect(c.getSnapshot().shown).toBe(50_000);
  });

  it('pause: lines wait (counted), acks continue up to the cap, then are held until follow', async () => {
    const core = fakeCore();
    const { c, term } = await tab(core);
    n = 0;
    core.emit('logs.batch', { streamId: c.streamId, seq: 1, lines: batch(10) });
    await settle();
    c.pause();
    expect(c.getSnapshot().following).toBe(false);
    const perBatch = 5_000;
    const batches = PANE_WAIT_CAP / perBatch + 2; // two past the cap
    for (let i = 0; i < batches; i++) core.emit('logs.batch', { streamId: c.streamId, seq: 2 + i, lines: batch(perBatch) });
    await settle();
    // Written while paused: nothing. Waiting: all of it.
    expect(term.numbers()).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(c.getSnapshot().waiting).toBe(batches * perBatch);
    // Acked while under the cap; held from the batch that reached it on.
    const lastUnder = 1 + PANE_WAIT_CAP / perBatch - 1;
    expect(core.acks(c.streamId).at(-1)).toBe(lastUnder);
    c.follow();
    expect(term.scrolls).toBeGreaterThan(0);
    await settle(() => core.acks(c.streamId).at(-1) === 1 + batches);
    expect(term.numbers()).toEqual(Array.from({ length: 10 + batches * perBatch }, (_, i) => i + 1));
    // The held ack went with the last slice.
    expect(core.acks(c.streamId).at(-1)).toBe(1 + batches);
    expect(c.getSnapshot()).toMatchObject({ following: true, waiting: 0 });
  });

  it('an idle terminal is written at once; what queued behind a write when paused waits too, and is written once', async () => {
    const core = fakeCore();
    const { c, term } = await tab(core);
    n = 0;
    // The terminal is idle: the batch is handed to it in the same turn, no frame wait.
    core.emit('logs.batch', { streamId: c.streamId, seq: 1, lines: batch(5) });
    expect(term.numbers()).toEqual([1, 2, 3, 4, 5]);
    // It is still parsing: the next batches queue behind it...
    core.emit('logs.batch', { streamId: c.streamId, seq: 2, lines: batch(5) });
    core.emit('logs.batch', { streamId: c.streamId, seq: 3, lines: batch(5) });
    expect(term.writes.length).toBe(1);
    c.pause(); // ...and wait once paused
    await settle();
    expect(term.numbers()).toEqual([1, 2, 3, 4, 5]);
    expect(c.getSnapshot().waiting).toBe(10);
    expect(core.acks(c.streamId)).toEqual([3]);
    c.follow();
    await settle();
    expect(term.numbers()).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('batches that arrive while a write parses coalesce into one next write', async () => {
    const core = fakeCore();
    const { c, term } = await tab(core);
    n = 0;
    for (let seq = 1; seq <= 10; seq++) core.emit('logs.batch', { streamId: c.streamId, seq, lines: batch(10) });
    await settle(() => core.acks(c.streamId).at(-1) === 10);
    expect(term.writes.length).toBe(2);
    expect(term.numbers()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(core.acks(c.streamId)).toEqual([1, 10]);
  });

  it('a filter re-draws the kept lines that match and applies to new ones; the console markers always show', async () => {
    const core = fakeCore();
    const { c, term } = await tab(core);
    n = 0;
    core.emit('logs.batch', {
      streamId: c.streamId,
      seq: 1,
      lines: [...batch(4), { n: ++n, kind: 'gap', msg: 'Gap: 3 line(s) missed', gap: { from: 0, to: 1, missed: 3 } }],
    });
    await settle();
    c.setFilter({ text: 'line #3' });
    await settle();
    expect(term.resets).toBe(1);
    const after = term.writes.slice(-1)[0]!;
    expect(after).toContain('line #3');
    expect(after).not.toContain('line #2');
    expect(after).toContain('Gap: 3 line(s) missed');
    core.emit('logs.batch', { streamId: c.streamId, seq: 2, lines: batch(30) });
    await settle();
    const shownNow = term.writes.slice(-1)[0]!;
    expect([...shownNow.matchAll(/line #(\d+)/g)].map((m) => m[1])).toEqual(['30', '31', '32', '33', '34', '35']);
    c.setFilter({ text: '(', regex: true });
    expect(c.getSnapshot().filterError).toMatch(/Invalid regular expression/);
  });
});

describe('the extension that wrote a line (issue 13, item 6)', () => {
  it('is parsed from the record once, shown as a column, matched by the text filter and by the extension filter', async () => {
    const { parseData } = await import('../../core/logs/record');
    const p = parseData(JSON.stringify({ msg: 'export to logstash ok', level: 30, webtask: 'logs-to-logstash', sandbox: true }), '1', {
      maxDisplayChars: 16_384,
    });
    expect(p.line.wt).toBe('logs-to-logstash');
    // A hostile name stays inert.
    expect(parseData(JSON.stringify({ msg: 'x', webtask: 'a\u001b]0;t\u0007' }), undefined, { maxDisplayChars: 100 }).line.wt).toBe(
      'a\uE000\\x1b\uE001]0;t\uE000\\x07\uE001',
    );

    const core = fakeCore();
    const { c, term } = await tab(core, { extension: 'logs-to-logstash' });
    n = 0;
    const lines: LogLine[] = [
      { n: ++n, kind: 'rec', msg: 'line #1 export to logstash ok', wt: 'logs-to-logstash', sb: 1 },
      { n: ++n, kind: 'rec', msg: 'line #2 export to logstash from another job', wt: 'logs-to-elsewhere', sb: 1 },
      { n: ++n, kind: 'rec', msg: 'line #3 logs-to-logstash mentioned by someone else' },
    ];
    core.emit('logs.batch', { streamId: c.streamId, seq: 1, lines });
    await settle(() => core.acks(c.streamId).length === 1);
    expect(term.numbers()).toEqual([1]);
    // The column: after the source tag, before the message.
    // eslint-disable-next-line no-control-regex -- the SGR sequences are what is checked
    expect(term.writes.join('')).toMatch(/ext \x1b\[0;4;94mlogs-to-logstash\x1b\[0m line #1/);
    expect([...c.extensions].sort()).toEqual(['logs-to-elsewhere', 'logs-to-logstash']);
    // The text filter matches the name too.
    c.setFilter({ extension: '', text: 'elsewhere' });
    await settle();
    expect([...term.writes.at(-1)!.matchAll(/line #(\d+)/g)].map((m) => m[1])).toEqual(['2']);
    expect(c.copyText()).toBe('--:--:--.--- INFO logs-to-elsewhere line #2 export to logstash from another job');
  });
});

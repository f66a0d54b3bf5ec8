// The merged tail: N container streams into one pump. Fair batches, a container that fails or floods
// never stalls or hides the others, mute, the 50-container cap, the shared queue and its drop counts,
// one ack window over every stream.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { channels, type LogLine, type LogStatus } from '../../common/contract';
import { MergedTail, shareQueue, type MergedTailOptions } from '../../core/logs';
import { defaultQueueLimits } from '../../core/logs/queue';

/** A cluster in memory: each connect opens a body the test writes SSE frames into. */
class FakeCluster {
  readonly bodies = new Map<string, PassThrough>();
  readonly connects = new Map<string, number>();
  readonly ids = new Map<string, number>();
  /** Containers whose connects fail (a network error). */
  readonly down = new Set<string>();

  connect = (c: string) => async () => {
    this.connects.set(c, (this.connects.get(c) ?? 0) + 1);
    if (this.down.has(c)) throw new Error(`connect ECONNREFUSED (${c})`);
    const body = new PassThrough();
    this.bodies.set(c, body);
    return { status: 200, headers: { 'content-type': 'text/event-stream' }, body };
  };

  /** One event per line, in one chunk; no ids when `ids` is false (no resume: a cut leaves a gap). */
  send(c: string, msgs: string[], ids = true): void {
    let frame = '';
    for (const msg of msgs) {
      const id = (this.ids.get(c) ?? 0) + 1;
      this.ids.set(c, id);
      frame += `${ids ? `id: ${id}\n` : ''}data: ${JSON.stringify({ msg, level: 30, time: new Date().toISOString() })}\n\n`;
    }
    this.bodies.get(c)!.write(frame);
  }

  cut(c: string): void {
    this.bodies.get(c)?.destroy(new Error('cut'));
  }
}

let open: MergedTail[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

function merged(containers: string[], extra: Partial<MergedTailOptions> = {}, autoAck = true, down: string[] = []) {
  const cluster = new FakeCluster();
  for (const c of down) cluster.down.add(c);
  const lines: LogLine[] = [];
  const statuses: LogStatus[] = [];
  const batches: Array<{ seq: number; lines: LogLine[] }> = [];
  const t: MergedTail = new MergedTail({
    streamId: 'ls-merge',
    containers,
    connect: cluster.connect,
    backoff: { initialMs: 20, maxMs: 100 },
    statusIntervalMs: 50,
    statusCoalesceMs: 10,
    onBatch: (seq, ls) => {
      batches.push({ seq, lines: ls });
      lines.push(...ls);
      if (autoAck) setImmediate(() => t.ack(seq));
    },
    onStatus: (s) => statuses.push(s),
    ...extra,
  });
  open.push(t);
  t.start();
  const member = (c: string) => statuses.at(-1)?.members?.find((m) => m.container === c);
  return { t, cluster, lines, statuses, batches, member, of: (c: string) => lines.filter((l) => l.container === c) };
}

async function until(fn: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const connected = (m: ReturnType<typeof merged>, cs: string[]) =>
  until(() => cs.every((c) => m.cluster.bodies.has(c)) && cs.every((c) => m.member(c)?.state === 'connected'), 5_000, 'connected');

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('merged tail', () => {
  it('merges lines from every container in arrival order, each tagged with its container and numbered once', async () => {
    const m = merged(['a', 'b', 'c']);
    await connected(m, ['a', 'b', 'c']);
    m.cluster.send('a', ['a1']);
    m.cluster.send('b', ['b1', 'b2']);
    m.cluster.send('c', ['c1']);
    m.cluster.send('a', ['a2']);
    await until(() => m.lines.length === 5, 5_000, '5 lines');
    expect(m.lines.map((l) => `${l.container}:${l.msg}`)).toEqual(['a:a1', 'b:b1', 'b:b2', 'c:c1', 'a:a2']);
    expect(m.lines.map((l) => l.n)).toEqual([1, 2, 3, 4, 5]);
    // Saved NDJSON names the container of every line.
    const saved = m.t
      .keptText()
      .text.trim()
      .split('\n')
      .map((s) => JSON.parse(s) as { container: string; msg: string });
    expect(saved.map((r) => `${r.container}:${r.msg}`)).toEqual(['a:a1', 'b:b1', 'b:b2', 'c:c1', 'a:a2']);
  });

  it('is fair: a flooding container cannot push a quiet one out of the next batch', async () => {
    // The pane acks nothing, so the pump sends one batch and waits; both queues fill meanwhile.
    const m = merged(['flood', 'quiet'], { pump: { maxBatchBytes: 20_000, highWaterBytes: 1, lowWaterBytes: 0 } }, false);
    await connected(m, ['flood', 'quiet']);
    m.cluster.send('flood', range('f', 1, 3_000));
    await until(() => m.batches.length === 1, 5_000, 'the first batch');
    m.cluster.send('quiet', ['q1', 'q2', 'q3']);
    await until(() => m.t.queued === 3_003 - m.lines.length, 5_000, 'every line queued');
    m.t.ack(m.batches[0]!.seq);
    await until(() => m.batches.length === 2, 5_000, 'the second batch');
    const second = m.batches[1]!.lines;
    // The quiet container's lines arrived after 3,000 others and still ride in the very next batch.
    expect(second.filter((l) => l.container === 'quiet').map((l) => l.msg)).toEqual(['q1', 'q2', 'q3']);
    const bytes = second.reduce((a, l) => a + l.msg.length + 48, 0);
    expect(bytes).toBeLessThanOrEqual(20_000 + 100);
  });

  it('one container failing (refused, then cut without resume) stalls and hides nothing of the others; it shows its own gap', async () => {
    const m = merged(['good', 'bad'], {}, true, ['bad']);
    await until(() => m.member('bad')?.state === 'reconnecting' && m.member('good')?.state === 'connected', 5_000, 'bad reconnecting');
    m.cluster.send('good', range('g', 1, 100));
    await until(() => m.of('good').length === 100, 5_000, 'good lines while bad is down');
    expect(m.statuses.at(-1)!.reason).toMatch(/1 of 2 connected; bad reconnecting/);
    m.cluster.down.delete('bad');
    m.t.retry('bad');
    await until(() => m.member('bad')?.state === 'connected', 5_000, 'bad connected');
    m.cluster.send('bad', ['x1', 'x2'], false);
    await until(() => m.of('bad').length === 2, 5_000, 'bad lines');
    const before = m.cluster.connects.get('bad')!;
    m.cluster.cut('bad');
    await until(() => m.cluster.connects.get('bad') === before + 1 && m.member('bad')?.state === 'connected', 5_000, 'bad back');
    m.cluster.send('bad', ['x3'], false);
    m.cluster.send('good', range('g', 101, 200));
    await until(() => m.of('good').length === 200 && m.of('bad').some((l) => l.msg === 'x3'), 5_000, 'every line');
    expect(m.of('good').map((l) => l.msg)).toEqual(range('g', 1, 200));
    expect(m.of('bad').map((l) => l.kind)).toEqual(['rec', 'rec', 'gap', 'rec']);
    expect(m.of('good').every((l) => l.kind === 'rec')).toBe(true);
    await until(() => m.member('bad')?.gaps === 1, 2_000, 'the gap on the chip');
    expect(m.member('good')!.gaps).toBe(0);
  });

  it('mute: a muted container is read but not sent, and counted; unmuted it flows again', async () => {
    const m = merged(['a', 'b']);
    await connected(m, ['a', 'b']);
    m.t.mute('b', true);
    m.cluster.send('b', range('b', 1, 50));
    m.cluster.send('a', range('a', 1, 50));
    await until(() => m.of('a').length === 50, 5_000, 'a lines');
    await until(() => m.member('b')?.mutedLines === 50, 5_000, 'b muted count');
    expect(m.of('b')).toEqual([]);
    expect(m.member('b')!.muted).toBe(true);
    m.t.mute('b', false);
    m.cluster.send('b', ['b51']);
    await until(() => m.of('b').length === 1, 5_000, 'b again');
    expect(m.of('b')[0]!.msg).toBe('b51');
    expect(m.t.mute('nope', true)).toBe(false);
  });

  it('a slow pane holds every stream back (one ack window), and a container past its share of the queue drops and counts its oldest', async () => {
    const queue = { highLines: 40, lowLines: 10, maxLines: 100, highBytes: 1e9, lowBytes: 1e9, maxBytes: 1e9 };
    const m = merged(['x', 'y'], { queue, pump: { highWaterBytes: 1, lowWaterBytes: 0 } }, false);
    await connected(m, ['x', 'y']);
    m.cluster.send('x', ['x0']);
    await until(() => m.batches.length === 1, 5_000, 'first batch');
    // Each container's share is half the tail's: 20 lines pause its socket, 50 is its ceiling.
    m.cluster.send('x', range('x', 1, 30));
    m.cluster.send('y', range('y', 1, 80));
    await until(() => m.member('x')?.backpressure === true && m.member('y')?.backpressure === true, 5_000, 'both sockets paused');
    expect(m.batches.length).toBe(1);
    await until(() => m.member('y')?.dropped === 30, 5_000, 'y drops counted');
    expect(m.member('x')!.dropped).toBe(0);
    expect(m.statuses.at(-1)!.dropped).toBe(30);
    m.t.ack(1);
    await until(() => m.of('x').length === 31 && m.of('y').length === 50, 5_000, 'the rest after the ack');
    expect(m.of('y')[0]!.msg).toBe('y31');
  });

  it('caps: at most 50 containers, each once; the queue is shared out', () => {
    const fifty = range('c', 1, 50);
    expect(
      () =>
        new MergedTail({
          streamId: 'ls-x',
          containers: [...fifty, 'c51'],
          connect: () => async () => Promise.reject(new Error('no')),
          onBatch: () => undefined,
          onStatus: () => undefined,
        }),
    ).toThrow(/At most 50/);
    const input = channels['logs.open'].input;
    expect(input.safeParse({ streamId: 'ls-a', containers: fifty }).success).toBe(true);
    const refused = input.safeParse({ streamId: 'ls-a', containers: [...fifty, 'c51'] });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toMatch(/At most 50 containers/);
    expect(input.safeParse({ streamId: 'ls-a', containers: ['a', 'a'] }).success).toBe(false);
    expect(input.safeParse({ streamId: 'ls-a', container: 'a', containers: ['b'] }).success).toBe(false);
    expect(input.safeParse({ streamId: 'ls-a' }).success).toBe(false);
    const share = shareQueue(defaultQueueLimits, 10);
    expect(share.maxLines * 10).toBeLessThanOrEqual(defaultQueueLimits.maxLines);
    expect(share.maxBytes * 10).toBeLessThanOrEqual(defaultQueueLimits.maxBytes);
  });

  it('closing with a reason (lock) sends one last line past the window and stops every container', async () => {
    const m = merged(['a', 'b'], { pump: { highWaterBytes: 1, lowWaterBytes: 0 } }, false);
    await connected(m, ['a', 'b']);
    m.cluster.send('a', ['a1']);
    await until(() => m.batches.length === 1, 5_000, 'first batch');
    await m.t.close('the console was locked');
    const last = m.lines.at(-1)!;
    expect(last.kind).toBe('info');
    expect(last.msg).toBe('Stopped: the console was locked');
    expect(m.statuses.at(-1)!.members!.map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(m.statuses.at(-1)!.state).toBe('stopped');
  });
});

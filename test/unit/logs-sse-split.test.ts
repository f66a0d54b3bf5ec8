// Property: however the socket cuts an SSE stream (inside a multi-byte character, between CR and LF,
// inside a field name, inside an oversized event), the log client sees the same records as when the
// stream arrives in one piece. Fixed seed (printed; FC_SEED=<n> replays another), bounded runs.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogStream, type QueuedLine } from '../../core/logs';
import { SseReader, type SseEvent } from '../../core/logs/sse';

const SEED = Number(process.env.FC_SEED ?? 20_261_202);
const CAP = 600; // bytes: small, so oversized events are common
console.log(`logs-sse-split: fast-check seed ${SEED} (FC_SEED=${SEED} replays it)`);

type Part =
  | { kind: 'record'; id?: number; msg: string; level: number }
  | { kind: 'multiline'; lines: string[] }
  | { kind: 'comment'; text: string }
  | { kind: 'ping' }
  | { kind: 'retry'; ms: number }
  | { kind: 'oversized'; id?: number; bytes: number };

const noBreaks = (s: string) => s.replace(/[\r\n]/g, ' ');
const text = fc.string({ unit: 'binary', maxLength: 40 });
const part: fc.Arbitrary<Part> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      id: fc.option(fc.nat(1e6), { nil: undefined }),
      msg: text,
      level: fc.constantFrom(30, 40, 50),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('multiline' as const), lines: fc.array(text.map(noBreaks), { minLength: 1, maxLength: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('comment' as const), text: text.map(noBreaks) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ping' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry' as const), ms: fc.nat(5_000) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('oversized' as const),
      id: fc.option(fc.nat(1e6), { nil: undefined }),
      bytes: fc.integer({ min: CAP + 1, max: CAP * 20 }),
    }),
  },
);
const eol = fc.constantFrom('\n', '\r\n', '\r');

/** One stream: parts, each line ended by a random line end; a BOM sometimes. */
const stream = fc.record({ bom: fc.boolean(), parts: fc.array(fc.tuple(part, eol), { maxLength: 25 }) }).map(({ bom, parts }) => {
  let s = bom ? '\uFEFF' : '';
  for (const [p, e] of parts) {
    const lines: string[] = [];
    if (p.kind === 'record') {
      if (p.id !== undefined) lines.push(`id: ${p.id}`);
      lines.push(`data: ${JSON.stringify({ msg: p.msg, level: p.level })}`);
    } else if (p.kind === 'multiline') for (const l of p.lines) lines.push(`data:${l}`);
    else if (p.kind === 'comment') lines.push(`:${p.text}`);
    else if (p.kind === 'ping') lines.push('event: ping', 'data: {}');
    else if (p.kind === 'retry') lines.push(`retry: ${p.ms}`);
    else {
      if (p.id !== undefined) lines.push(`id: ${p.id}`);
      lines.push(`data: {"msg":"${'é'.repeat(Math.ceil(p.bytes / 2))}"}`);
    }
    // A CR line end followed by a line starting with LF would merge: every part ends with a blank line.
    s += lines.map((l) => l + e).join('') + (e === '\r' ? '\r' : e);
  }
  return Buffer.from(s, 'utf8');
});

/** Cut points inside the buffer (sorted, distinct). */
const withCuts = stream.chain((buf) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, buf.length - 1) }), { maxLength: Math.min(60, buf.length) })
    .map((cuts) => ({ buf, cuts: cuts.filter((c) => c < buf.length).sort((a, b) => a - b) })),
);

function chunks(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of cuts) {
    out.push(buf.subarray(at, c));
    at = c;
  }
  out.push(buf.subarray(at));
  return out;
}

type Seen = Array<SseEvent | { oversize: number; id: string | undefined } | { retry: number }>;
function read(pieces: Buffer[]): Seen {
  const seen: Seen = [];
  const r = new SseReader(
    {
      onEvent: (e) => seen.push(e),
      onOversize: (o) => seen.push({ oversize: o.bytes, id: o.id }),
      onRetry: (ms) => seen.push({ retry: ms }),
    },
    CAP,
  );
  for (const p of pieces) r.feed(p);
  return seen;
}

describe('SSE split at random bytes', () => {
  it('the reader sees the same events, oversize markers (same sizes) and retries, split or whole', () => {
    fc.assert(
      fc.property(withCuts, ({ buf, cuts }) => {
        const whole = read([buf]);
        expect(read(chunks(buf, cuts))).toEqual(whole);
        // And byte by byte, the worst case.
        if (buf.length < 2_000)
          expect(
            read(
              chunks(
                buf,
                Array.from({ length: buf.length - 1 }, (_, i) => i + 1),
              ),
            ),
          ).toEqual(whole);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('the log client (events to records, markers, resume ids) gives the same lines, split or whole', async () => {
    async function lines(pieces: Buffer[]): Promise<Array<Pick<QueuedLine['line'], 'kind' | 'msg' | 'id' | 'level'>>> {
      let calls = 0;
      let done: () => void = () => undefined;
      const ended = new Promise<void>((r) => (done = r));
      const s = new LogStream({
        streamId: 'ls-prop',
        container: 'prop',
        maxEventBytes: CAP,
        backoff: { initialMs: 1, maxMs: 1 },
        connect: ({ signal }) => {
          if (calls++ === 0)
            return Promise.resolve({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: Readable.from(pieces) });
          // The stream ended: the client reconnects; this one never answers (closed below).
          done();
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('closed'))));
        },
      });
      s.start();
      await ended;
      // A gap's words hold the clock: compare what it counts.
      const out = s.take(1 << 30).map((q) => ({
        kind: q.line.kind,
        msg: q.line.kind === 'gap' ? `missed ${q.line.gap?.missed}` : q.line.msg,
        id: q.line.id,
        level: q.line.level,
      }));
      await s.close();
      return out;
    }
    await fc.assert(
      fc.asyncProperty(withCuts, async ({ buf, cuts }) => {
        const whole = await lines([buf]);
        expect(await lines(chunks(buf, cuts))).toEqual(whole);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('an oversized event is reported with its size and id, and the event after it is read', () => {
    const big = `id: 7\r\ndata: ${'x'.repeat(CAP * 3)}\r\n\r\n`;
    const seen = read(chunks(Buffer.from(`${big}data: after\n\n`), [5, 100, 700, 1500]));
    // The size counts the event's lines, each line end as one byte (the same however the stream was cut).
    expect(seen).toEqual([
      { oversize: 'id: 7'.length + 1 + 'data: '.length + CAP * 3 + 1, id: '7' },
      { id: undefined, event: undefined, data: 'after' },
    ]);
  });
});

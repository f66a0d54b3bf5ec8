/**
 * Property-based fuzzing of the browser host's WebSocket (issue 11): random JSON frames of any shape,
 * depth and size, each sent over a real socket with the launch secret. Every text frame must get
 * exactly one reply of the wire's shape, addressed to the frame's id when it had a usable one, with a
 * typed error unless it was a valid call; the host must stay alive throughout and afterwards.
 *
 * The seed is fixed and printed: replay a failure with `FUZZ_SEED=<seed> npx vitest run test/integration/webhost-fuzz.test.ts`.
 * Runs are bounded so the file stays well under 20 s on a loaded 2-core machine.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, errorCodes } from '../../common/contract';
import { FrameId, MAX_FRAME_DEPTH, ReplyFrame } from '../../common/wire';
import { startTestWebHost } from '../helpers/host';
import { openHostSocket, type HostSocket } from '../helpers/ws';

const seed = Number(process.env.FUZZ_SEED ?? 1_112_026);
const numRuns = Number(process.env.FUZZ_RUNS ?? 200);

const anyJson = fc.jsonValue({ maxDepth: 5 });
// Mostly real channel names, so the dispatcher's input validation is what gets fuzzed, not just the name check.
const channelField = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...channelNames) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: anyJson },
);
const idField = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -0), anyJson);
const requestShaped = fc.record({ id: idField, channel: channelField, input: anyJson }, { requiredKeys: [] });
/** Nesting of any depth, around or far past the limit, as text (JSON.stringify of such a value would itself recurse). */
const deepText = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}']), fc.boolean())
  .map(([n, [open, close], wrapped]) => {
    const value = open.repeat(n) + (open === '[' ? '' : '0') + close.repeat(n);
    return wrapped ? `{"id":5,"channel":"app.info","input":${value}}` : value;
  });
/** Large frames: a long channel or input string (up to 500 KB). */
const bigText = fc
  .tuple(fc.nat({ max: 500_000 }), fc.constantFrom('channel', 'input'))
  .map(([n, field]) => JSON.stringify({ id: 3, channel: 'profiles.list', [field]: 'x'.repeat(n) }));

const frameText = fc.oneof(
  { weight: 4, arbitrary: requestShaped.map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: bigText },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

/** The id the host must answer to: the frame's own when it is a JSON object with a usable id. */
function expectedId(text: string): number | null {
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    const id = FrameId.safeParse((v as { id?: unknown }).id);
    return id.success ? id.data : null;
  } catch {
    return null;
  }
}

describe('browser host: fuzzed frames', () => {
  let started: Awaited<ReturnType<typeof startTestWebHost>>;
  let sock: HostSocket;
  beforeAll(async () => {
    started = await startTestWebHost();
    sock = await openHostSocket(started.web);
  });
  afterAll(async () => {
    sock.close();
    await started.close();
  });

  it('answers every random frame once, with the wire shape and a typed error, and stays up', async () => {
    console.log(
      `webhost fuzz: seed ${seed}, ${numRuns} runs (replay: FUZZ_SEED=${seed} npx vitest run test/integration/webhost-fuzz.test.ts)`,
    );
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(frameText, async (text) => {
        const reply = await sock.exchange(text);
        expect(reply, 'the host closed the socket instead of answering').not.toBeNull();
        const parsed = ReplyFrame.safeParse(reply);
        expect(parsed.success, 'the reply has the wire shape').toBe(true);
        expect(reply?.id).toBe(expectedId(text));
        if (!reply?.result.ok) {
          errors++;
          expect(errorCodes).toContain(reply?.result.error?.code);
          expect(reply?.result.error?.message.length).toBeGreaterThan(0);
        }
        // Still serving on the same socket after each frame.
        expect(await sock.call('app.info')).toMatchObject({ ok: true });
      }),
      { seed, numRuns, endOnFailure: true },
    );
    // The property ran against real errors, not only valid calls.
    expect(errors).toBeGreaterThan(numRuns / 2);
    const second = await openHostSocket(started.web);
    try {
      expect(await second.call('app.info')).toMatchObject({ ok: true });
    } finally {
      second.close();
    }
  }, 60_000);

  it('refuses nesting past the limit however it is written', async () => {
    for (const n of [MAX_FRAME_DEPTH + 1, 1_000, 200_000]) {
      const reply = await sock.exchange(`{"id":${n},"channel":"app.info","input":${'['.repeat(n)}${']'.repeat(n)}}`);
      expect(reply).toMatchObject({ id: n, result: { ok: false, error: { code: 'invalid_input' } } });
    }
  });
});

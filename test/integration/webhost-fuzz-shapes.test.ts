/**
 * Property-based fuzzing of the newer contract inputs through the browser host's WebSocket, against the
 * emulator: near-valid frames for the merged tail (`logs.open` with `containers[]`, `logs.mute`,
 * `logs.containersWith`) and for bulk replay selection (`bulk.select`, `bulk.preview`). Random JSON
 * rarely passes a schema; these shapes do, with hostile values inside (escape sequences, lookalike
 * names, past-the-cap arrays, duplicates, regex metacharacters), so the handlers behind the schema get
 * fuzzed too. Every frame gets one reply of the wire's shape (ok, or a typed error with a message), no
 * reply quotes the master token, and the host keeps serving.
 *
 * Replay a failure with `FUZZ_SEED=<seed> npx vitest run test/integration/webhost-fuzz-shapes.test.ts`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../common/contract';
import { ReplyFrame } from '../../common/wire';
import { useEmulator } from '../helpers/emulator';
import { hostOnEmulator } from '../helpers/host';
import { openHostSocket, type HostSocket } from '../helpers/ws';

const seed = Number(process.env.FUZZ_SEED ?? 2_122_026);
const numRuns = Number(process.env.FUZZ_RUNS ?? 120);
// No scheduled runs: nothing but the fuzzed calls touches the cluster.
const emu = useEmulator({ seed: 'demo', scheduledRuns: false });

const hostile = fc.constantFrom(
  '\u001b]0;pwned\u0007',
  '\u001b[2J\u001b[H',
  'acme-prod\u0000',
  'ACME-PROD',
  '../acme-prod',
  'acme-prod ',
  '(a+)+$',
  '*',
  '%2e%2e',
  '\u202eprod',
  'x'.repeat(600),
);
const containerName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('acme-prod', 'acme-staging', 'globex', 'initech', 'umbrella-corp', 'no-such-tenant') },
  { weight: 2, arbitrary: hostile },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
);
const streamId = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^ls-[a-z0-9]{1,32}$/) },
  { weight: 1, arbitrary: fc.oneof(hostile, fc.string({ maxLength: 40 })) },
);
const webtaskName = fc.oneof(
  fc.constantFrom('logs-to-logstash', 'logs-to-cloudwatch', 'logs-to-loganalytics', 'hello', 'no-such-job'),
  hostile,
);
const checkpoint = fc.oneof(fc.constant(null), fc.stringMatching(/^\d{56}$/), hostile, fc.string({ maxLength: 60 }));

const frames = fc.oneof(
  fc.record({
    channel: fc.constant('logs.open'),
    input: fc.oneof(
      fc.record({ streamId, containers: fc.array(containerName, { maxLength: 60 }) }),
      fc.record({ streamId, container: containerName }),
      fc.record({ streamId, container: containerName, containers: fc.array(containerName, { maxLength: 3 }) }),
    ),
  }),
  fc.record({ channel: fc.constant('logs.mute'), input: fc.record({ streamId, container: containerName, muted: fc.boolean() }) }),
  fc.record({
    channel: fc.constant('logs.containersWith'),
    input: fc.record({ extension: fc.oneof(webtaskName, fc.string({ maxLength: 600 })) }),
  }),
  fc.record({
    channel: fc.constant('bulk.select'),
    input: fc.record({
      select: fc.oneof(
        fc.record({ destinationHost: fc.oneof(fc.constantFrom('127.0.0.1', 'localhost', ''), hostile, fc.domain()) }),
        fc.record({ tenants: fc.array(fc.record({ container: containerName, name: webtaskName }), { maxLength: 600 }) }),
      ),
    }),
  }),
  fc.record({
    channel: fc.constant('bulk.preview'),
    input: fc.record(
      {
        tenants: fc.array(
          fc.record({ container: containerName, name: webtaskName, from: checkpoint }, { requiredKeys: ['container', 'name'] }),
          {
            maxLength: 8,
          },
        ),
        mode: fc.constantFrom('local', 'remote', 'sideways'),
      },
      { requiredKeys: ['tenants'] },
    ),
  }),
);

describe('browser host: fuzzed merged-tail and bulk-replay inputs', () => {
  let h: Awaited<ReturnType<typeof hostOnEmulator>>;
  let sock: HostSocket;
  beforeAll(async () => {
    h = await hostOnEmulator(emu(), { web: true, requestTimeoutMs: 10_000 });
    sock = await openHostSocket(h.web!);
  });
  afterAll(async () => {
    sock?.close();
    await h?.close();
  });

  it('answers each near-valid frame once, ok or a typed error, never quoting the token, and stays up', async () => {
    console.log(`webhost shapes fuzz: seed ${seed}, ${numRuns} runs`);
    const tally = { ok: 0, error: 0 };
    let id = 1;
    await fc.assert(
      fc.asyncProperty(frames, async ({ channel, input }) => {
        const reply = await sock.exchange(JSON.stringify({ id: ++id, channel, input }));
        expect(reply, 'the host closed the socket instead of answering').not.toBeNull();
        expect(ReplyFrame.safeParse(reply).success, 'the reply has the wire shape').toBe(true);
        expect(reply!.id).toBe(id);
        expect(JSON.stringify(reply)).not.toContain(emu().masterToken);
        if (reply!.result.ok) {
          tally.ok++;
          // An opened tail is closed again: the next frames fuzz the handlers, not a pile of sockets.
          if (channel === 'logs.open') {
            const opened = reply!.result.data as { streamId: string };
            expect(await sock.call('logs.close', { streamId: opened.streamId })).toMatchObject({ ok: true });
          }
        } else {
          tally.error++;
          expect(errorCodes).toContain(reply!.result.error?.code);
          expect(reply!.result.error?.message.length).toBeGreaterThan(0);
        }
        expect(await sock.call('app.info')).toMatchObject({ ok: true });
      }),
      { seed, numRuns, endOnFailure: true },
    );
    console.log(`webhost shapes fuzz: ${tally.ok} ok, ${tally.error} typed errors`);
    // Both sides were reached: valid calls that ran and inputs that were refused.
    expect(tally.ok).toBeGreaterThan(0);
    expect(tally.error).toBeGreaterThan(0);
  }, 120_000);
});

import { randomBytes } from 'node:crypto';
import { LogStream, Pump, type LogStreamOptions, type PumpOptions } from '../../logs';
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';

interface Tail {
  sessionId: string;
  stream: LogStream;
  pump: Pump;
  untrack: () => void;
}

/** Every open tail, by stream id; each belongs to the session (window / browser tab) that opened it. */
const tails = new Map<string, Tail>();

/** Tuning for tests and benches (shorter timeouts, smaller windows); the defaults are the product's. */
export const logsTuning: { stream: Partial<LogStreamOptions>; pump: PumpOptions } = { stream: {}, pump: {} };

export const openTailCount = (): number => tails.size;

function tailOf(streamId: string, ctx: CallContext): Tail {
  const t = tails.get(streamId);
  if (!t || t.sessionId !== ctx.session.id) throw new HostError('not_found', 'This log tail is closed; open it again.');
  return t;
}

export const logsHandlers = defineHandlers({
  'logs.open': async ({ profileId, container }, ctx) => {
    const { deps, session } = ctx;
    const { profile, client } = await clientFor(deps, profileId); // checks the lock and that a token exists
    const streamId = `ls-${randomBytes(8).toString('hex')}`;
    // The stream and the pump refer to each other: the stream wakes the pump, the pump drains the stream.
    const ref: { pump?: Pump } = {};
    const stream = new LogStream({
      ...logsTuning.stream,
      streamId,
      container,
      connect: ({ lastEventId, signal }) => client.openLogStream(container, { lastEventId, signal }),
      redactor: deps.redactor,
      onReadable: () => ref.pump?.notify(),
      onStatus: (s) => session.emit('logs.status', s),
    });
    const pump = (ref.pump = new Pump(stream, (seq, lines) => session.emit('logs.batch', { streamId, seq, lines }), logsTuning.pump));
    // Lock closes every tail (the pane says why); a tail closed otherwise leaves the registry.
    const untrack = deps.flows.track({ label: `tail ${profile.name}/${container}`, close: (reason) => closeTail(streamId, reason) });
    tails.set(streamId, { sessionId: session.id, stream, pump, untrack });
    session.onClose(() => void closeTail(streamId));
    stream.start();
    await audit(ctx, { action: 'logs.open', target: `${profile.name}/${container}`, outcome: 'ok' });
    return { streamId, container, cluster: new URL(profile.url).host };
  },

  'logs.close': async ({ streamId }, ctx) => {
    const t = tails.get(streamId);
    if (!t || t.sessionId !== ctx.session.id) return { closed: false };
    await closeTail(streamId);
    return { closed: true };
  },

  'logs.ack': async ({ streamId, seq }, ctx) => {
    const t = tails.get(streamId);
    // A late ack for a tail just closed is not an error.
    if (!t || t.sessionId !== ctx.session.id) return { ok: false };
    t.pump.ack(seq);
    return { ok: true };
  },

  'logs.options': async ({ streamId, json }, ctx) => {
    tailOf(streamId, ctx).stream.withJson = json;
    return { ok: true };
  },

  'logs.records': async ({ streamId, from }, ctx) => ({ records: tailOf(streamId, ctx).stream.keptRecords(from) }),

  'logs.retry': async ({ streamId }, ctx) => {
    tailOf(streamId, ctx).stream.retry();
    return { ok: true };
  },

  'logs.buffer': async ({ streamId }, ctx) => {
    const kept = tailOf(streamId, ctx).stream.keptText();
    // Saved files never hold a token, whatever a customer's code printed.
    return { ...kept, text: ctx.deps.redactor.known(kept.text) };
  },

  'logs.clear': async ({ streamId }, ctx) => {
    tailOf(streamId, ctx).stream.clearKept();
    return { ok: true };
  },
});

/** With a reason (lock), the stream's last words ("Stopped: ...") are sent past the ack window: the pane must say why. */
async function closeTail(streamId: string, reason?: string): Promise<void> {
  const t = tails.get(streamId);
  if (!t) return;
  tails.delete(streamId);
  t.untrack();
  const last = await t.stream.close(reason);
  if (last) t.pump.sendLast([last]);
  t.pump.close();
}

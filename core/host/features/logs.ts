import { openTail, type LogStreamOptions, type PumpOptions, type Tail } from '../../logs';
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';

/**
 * Every open tail, by session and stream id. The renderer chooses the id (its tab subscribes to that
 * id's events before it asks, so nothing arrives that it cannot place); ids are per session, so one
 * window can neither see nor touch another's tail.
 */
const tails = new Map<string, { tail: Tail; close(reason?: string): Promise<void> }>();
const keyOf = (ctx: CallContext, streamId: string) => `${ctx.session.id}\u0000${streamId}`;

/** Tuning for tests and benches (shorter timeouts, smaller windows); the defaults are the product's. */
export const logsTuning: { stream: Partial<LogStreamOptions>; pump: PumpOptions } = { stream: {}, pump: {} };

export const openTailCount = (): number => tails.size;

function tailOf(streamId: string, ctx: CallContext): Tail {
  const t = tails.get(keyOf(ctx, streamId));
  if (!t) throw new HostError('not_found', 'This log tail is closed; open it again.');
  return t.tail;
}

async function open({ profileId, container, streamId }: { profileId?: string; container: string; streamId: string }, ctx: CallContext) {
  const { deps, session } = ctx;
  const key = keyOf(ctx, streamId);
  if (tails.has(key)) throw new HostError('conflict', 'This stream id is already in use by a tail of this window.');
  const { profile, client } = await clientFor(deps, profileId); // checks the lock and that a token exists
  const tail = openTail({
    ...logsTuning.stream,
    pump: logsTuning.pump,
    streamId,
    container,
    connect: ({ lastEventId, signal }) => client.openLogStream(container, { lastEventId, signal }),
    redactor: deps.redactor,
    onBatch: (seq, lines) => session.emit('logs.batch', { streamId, seq, lines }),
    onStatus: (s) => session.emit('logs.status', s),
  });
  const close = async (reason?: string) => {
    if (tails.get(key)?.tail !== tail) return;
    tails.delete(key);
    untrack();
    await tail.close(reason);
  };
  // Lock closes every tail (the pane says why); a tail closed otherwise leaves the registry.
  const untrack = deps.flows.track({ label: `tail ${profile.name}/${container}`, close });
  tails.set(key, { tail, close });
  session.onClose(() => void close());
  await audit(ctx, { action: 'logs.open', target: `${profile.name}/${container}`, outcome: 'ok' });
  return { streamId, container, cluster: new URL(profile.url).host };
}

async function closeOne(streamId: string, ctx: CallContext): Promise<{ closed: boolean }> {
  const t = tails.get(keyOf(ctx, streamId));
  await t?.close();
  return { closed: t !== undefined };
}

/** A late ack for a tail just closed is not an error. */
function ack(streamId: string, seq: number, ctx: CallContext): { ok: boolean } {
  const t = tails.get(keyOf(ctx, streamId));
  t?.tail.ack(seq);
  return { ok: t !== undefined };
}

function redactedBuffer(t: Tail, ctx: CallContext) {
  const kept = t.stream.keptText();
  // Saved files never hold a token, whatever a customer's code printed.
  return { ...kept, text: ctx.deps.redactor.known(kept.text) };
}

export const logsHandlers = defineHandlers({
  'logs.open': async (input, ctx) => open(input, ctx),
  'logs.close': async ({ streamId }, ctx) => closeOne(streamId, ctx),
  'logs.ack': async ({ streamId, seq }, ctx) => ack(streamId, seq, ctx),
  'logs.options': async ({ streamId, json }, ctx) => ((tailOf(streamId, ctx).stream.withJson = json), { ok: true }),
  'logs.records': async ({ streamId, from }, ctx) => ({ records: tailOf(streamId, ctx).stream.keptRecords(from) }),
  'logs.retry': async ({ streamId }, ctx) => (tailOf(streamId, ctx).stream.retry(), { ok: true }),
  'logs.buffer': async ({ streamId }, ctx) => redactedBuffer(tailOf(streamId, ctx), ctx),
  'logs.clear': async ({ streamId }, ctx) => (tailOf(streamId, ctx).stream.clearKept(), { ok: true }),
});

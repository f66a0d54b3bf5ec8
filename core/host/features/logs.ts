import { openMergedTail, openTail, type LogStreamOptions, type PumpOptions, type Tail } from '../../logs';
import type { LogLine, LogStatus } from '../../../common/contract/logs';
import { HostError } from '../../util/errors';
import { listAcrossPage } from '../../webtask/api';
import { audit } from '../audit';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';

/**
 * Every open tail, by session and stream id. The renderer chooses the id (its tab subscribes to that
 * id's events before it asks, so nothing arrives that it cannot place); ids are per session, so one
 * window can neither see nor touch another's tail.
 */
const tails = new Map<string, { tail: AnyTail; close(reason?: string): Promise<void> }>();
/** What the handlers ask of a tail, one container's or a merged one's. */
interface AnyTail {
  ack(seq: number): void;
  close(reason?: string): Promise<void>;
  withJson: boolean;
  keptText(): { text: string; lines: number; bytes: number; oldestDropped: number };
  keptRecords(from: number): Array<{ n: number; json: string }>;
  clearKept(): void;
  retry(container?: string): boolean;
  mute(container: string, muted: boolean): boolean;
}

/** One container's tail, seen as `AnyTail` (a merged one already is). */
function single(t: Tail): AnyTail {
  return {
    ack: (seq) => t.ack(seq),
    close: (reason) => t.close(reason),
    get withJson() {
      return t.stream.withJson;
    },
    set withJson(on) {
      t.stream.withJson = on;
    },
    keptText: () => t.stream.keptText(),
    keptRecords: (from) => t.stream.keptRecords(from),
    clearKept: () => t.stream.clearKept(),
    retry: () => (t.stream.retry(), true),
    mute: () => false,
  };
}
const keyOf = (ctx: CallContext, streamId: string) => `${ctx.session.id}\u0000${streamId}`;

/** Tuning for tests and benches (shorter timeouts, smaller windows); the defaults are the product's. */
export const logsTuning: { stream: Partial<LogStreamOptions>; pump: PumpOptions } = { stream: {}, pump: {} };

export const openTailCount = (): number => tails.size;

function tailOf(streamId: string, ctx: CallContext): AnyTail {
  const t = tails.get(keyOf(ctx, streamId));
  if (!t) throw new HostError('not_found', 'This log tail is closed; open it again.');
  return t.tail;
}

interface OpenArgs {
  profileId?: string;
  container?: string;
  containers?: string[];
  streamId: string;
}

async function open({ profileId, container, containers, streamId }: OpenArgs, ctx: CallContext) {
  const { deps, session } = ctx;
  const key = keyOf(ctx, streamId);
  if (tails.has(key)) throw new HostError('conflict', 'This stream id is already in use by a tail of this window.');
  const { profile, client } = await clientFor(deps, profileId); // checks the lock and that a token exists
  const common = {
    ...logsTuning.stream,
    pump: logsTuning.pump,
    streamId,
    redactor: deps.redactor,
    onBatch: (seq: number, lines: LogLine[]) => session.emit('logs.batch', { streamId, seq, lines }),
    onStatus: (s: LogStatus) => session.emit('logs.status', s),
  };
  const tail: AnyTail = containers
    ? openMergedTail({ ...common, containers, connect: (c) => (o) => client.openLogStream(c, o) })
    : single(openTail({ ...common, container: container!, connect: (o) => client.openLogStream(container!, o) }));
  const what = containers ? `${containers.length} containers (${containers.join(', ')})` : container!;
  const close = async (reason?: string) => {
    if (tails.get(key)?.tail !== tail) return;
    tails.delete(key);
    untrack();
    await tail.close(reason);
  };
  // Lock closes every tail (the pane says why); a tail closed otherwise leaves the registry.
  const untrack = deps.flows.track({ label: `tail ${profile.name}/${what}`, close });
  tails.set(key, { tail, close });
  session.onClose(() => void close());
  await audit(ctx, { action: 'logs.open', target: `${profile.name}/${what}`, outcome: 'ok' });
  return {
    streamId,
    container: containers ? containers.join(', ') : container!,
    cluster: new URL(profile.url).host,
    ...(containers ? { containers } : {}),
  };
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

function redactedBuffer(t: AnyTail, ctx: CallContext) {
  const kept = t.keptText();
  // Saved files never hold a token, whatever a customer's code printed.
  return { ...kept, text: ctx.deps.redactor.known(kept.text) };
}

const ACROSS_PAGE = 1000;

/** The containers where an extension of this name runs, from the cross-container list (as discovery reads it). */
async function containersWith(profileId: string | undefined, extension: string, maxPages: number, ctx: CallContext) {
  const { client } = await clientFor(ctx.deps, profileId);
  const found = new Set<string>();
  let pagesRead = 0;
  let complete = false;
  for (let offset = 0; pagesRead < maxPages; offset += ACROSS_PAGE) {
    const page = await listAcrossPage(client, { offset, limit: ACROSS_PAGE });
    pagesRead++;
    for (const w of page) if (w.name === extension && w.container) found.add(w.container);
    if (page.length < ACROSS_PAGE) {
      complete = true;
      break;
    }
  }
  return { containers: [...found].sort(), complete, pagesRead };
}

export const logsHandlers = defineHandlers({
  'logs.containersWith': async ({ profileId, extension, maxPages }, ctx) => containersWith(profileId, extension, maxPages, ctx),
  'logs.open': async (input, ctx) => open(input, ctx),
  'logs.close': async ({ streamId }, ctx) => closeOne(streamId, ctx),
  'logs.ack': async ({ streamId, seq }, ctx) => ack(streamId, seq, ctx),
  'logs.options': async ({ streamId, json }, ctx) => ((tailOf(streamId, ctx).withJson = json), { ok: true }),
  'logs.records': async ({ streamId, from }, ctx) => ({ records: tailOf(streamId, ctx).keptRecords(from) }),
  'logs.retry': async ({ streamId, container }, ctx) => ({ ok: tailOf(streamId, ctx).retry(container) }),
  'logs.mute': async ({ streamId, container, muted }, ctx) => ({ ok: tailOf(streamId, ctx).mute(container, muted) }),
  'logs.buffer': async ({ streamId }, ctx) => redactedBuffer(tailOf(streamId, ctx), ctx),
  'logs.clear': async ({ streamId }, ctx) => (tailOf(streamId, ctx).clearKept(), { ok: true }),
});

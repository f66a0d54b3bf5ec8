import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordStatus } from '../../../common/contract';
import { LogRecorder, openTail, type LogStreamOptions, type PumpOptions, type RecorderOptions, type Tail } from '../../logs';
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';

/**
 * Every open tail, by session and stream id. The renderer chooses the id (its tab subscribes to that
 * id's events before it asks, so nothing arrives that it cannot place); ids are per session, so one
 * window can neither see nor touch another's tail.
 */
const tails = new Map<string, { tail: Tail; close(reason?: string): Promise<void>; recording?: Recording }>();
const keyOf = (ctx: CallContext, streamId: string) => `${ctx.session.id}\u0000${streamId}`;

/** Tuning for tests and benches (shorter timeouts, smaller windows); the defaults are the product's. */
export const logsTuning: {
  stream: Partial<LogStreamOptions>;
  pump: PumpOptions;
  record: Pick<RecorderOptions, 'fileCapBytes' | 'keepFiles'>;
} = {
  stream: {},
  pump: {},
  record: {},
};

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
    const entry = tails.get(key);
    if (entry?.tail !== tail) return;
    tails.delete(key);
    untrack();
    await entry.recording?.stop(reason ?? 'The tail was closed.');
    await tail.close(reason);
  };
  // Lock closes every tail (the pane says why); a tail closed otherwise leaves the registry.
  const untrack = deps.flows.track({ label: `tail ${profile.name}/${container}`, close });
  tails.set(key, { tail, close });
  session.onClose(() => void close());
  await audit(ctx, { action: 'logs.open', target: `${profile.name}/${container}`, outcome: 'ok' });
  return { streamId, container, cluster: new URL(profile.url).host };
}

// ---- recording to disk ---------------------------------------------------------------------------

interface Recording {
  recorder: LogRecorder;
  stop(reason?: string): Promise<RecordStatus>;
}

const notRecording = (streamId: string, reason?: string): RecordStatus => ({
  streamId,
  recording: false,
  lines: 0,
  bytes: 0,
  files: 0,
  capBytes: 0,
  keepFiles: 0,
  ...(reason ? { reason } : {}),
});

/** Where the file goes: the host's save dialog (Electron), else `recordings/` in the data dir (the browser host has no dialog of its own). */
async function recordPath(suggestedName: string, ctx: CallContext): Promise<string | null> {
  if (ctx.deps.pickSavePath) return ctx.deps.pickSavePath(suggestedName);
  const dir = join(ctx.deps.dataDir, 'recordings');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return join(dir, suggestedName);
}

async function recordStart(streamId: string, suggestedName: string, ctx: CallContext) {
  const key = keyOf(ctx, streamId);
  const entry = tails.get(key);
  if (!entry) throw new HostError('not_found', 'This log tail is closed; open it again.');
  if (entry.recording) return { outcome: 'recording' as const, status: statusOf(streamId, entry.recording) };
  const path = await recordPath(suggestedName, ctx);
  if (!path) return { outcome: 'cancelled' as const };
  // The dialog took its time: the tail may have closed, or another start won meanwhile.
  if (tails.get(key) !== entry) throw new HostError('not_found', 'This log tail is closed; open it again.');
  if (entry.recording) return { outcome: 'recording' as const, status: statusOf(streamId, entry.recording) };
  const { tail } = entry;
  const target = `${tail.stream.opts.container} -> ${path}`;
  let recorder: LogRecorder;
  try {
    recorder = await LogRecorder.start({
      ...logsTuning.record,
      path,
      container: tail.stream.opts.container,
      redact: (t) => ctx.deps.redactor.known(t),
      onError: (e) => void recording.stop(`Recording stopped: the file could not be written (${e.message}).`),
    });
  } catch (e) {
    throw new HostError('internal', `The recording file could not be opened: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (tails.get(key) !== entry || entry.recording) {
    await recorder.stop();
    if (entry.recording) return { outcome: 'recording' as const, status: statusOf(streamId, entry.recording) };
    throw new HostError('not_found', 'This log tail is closed; open it again.');
  }
  // The status line's indicator: once a second while recording.
  const ticker = setInterval(() => ctx.session.emit('logs.recording', statusOf(streamId, recording)), 1_000);
  ticker.unref();
  let stopped: Promise<RecordStatus> | undefined;
  const recording: Recording = {
    recorder,
    stop: (reason) =>
      (stopped ??= (async () => {
        clearInterval(ticker);
        if (tail.stream.recorder === recorder) tail.stream.recorder = undefined;
        untrack();
        const final = await recorder.stop();
        if (tails.get(key)?.recording === recording) delete tails.get(key)!.recording;
        const why = reason ?? final.error;
        const status: RecordStatus = {
          ...statusOf(streamId, recording),
          recording: false,
          lines: final.lines,
          bytes: final.bytes,
          files: final.files,
          ...(why ? { reason: why } : {}),
        };
        ctx.session.emit('logs.recording', status);
        await audit(ctx, {
          action: 'logs.record.stop',
          target,
          outcome: final.error ? 'error' : 'ok',
          detail: { lines: final.lines, bytes: final.bytes, files: final.files, ...(why ? { reason: why } : {}) },
        });
        return status;
      })()),
  };
  // Lock stops it (the file holds no more than what was read before).
  const untrack = ctx.deps.flows.track({ label: `record ${target}`, close: (reason) => recording.stop(reason).then(() => undefined) });
  entry.recording = recording;
  tail.stream.recorder = recorder;
  await audit(ctx, {
    action: 'logs.record.start',
    target,
    outcome: 'ok',
    detail: { capBytes: recorder.fileCapBytes, keepFiles: recorder.keepFiles },
  });
  const status = statusOf(streamId, recording);
  ctx.session.emit('logs.recording', status);
  return { outcome: 'recording' as const, status };
}

function statusOf(streamId: string, r: Recording): RecordStatus {
  const s = r.recorder.status();
  return {
    streamId,
    recording: true,
    path: s.path,
    lines: s.lines,
    bytes: s.bytes,
    files: s.files,
    capBytes: s.capBytes,
    keepFiles: s.keepFiles,
  };
}

async function recordStop(streamId: string, ctx: CallContext): Promise<RecordStatus> {
  const r = tails.get(keyOf(ctx, streamId))?.recording;
  return r ? r.stop() : notRecording(streamId);
}

function recordStatus(streamId: string, ctx: CallContext): RecordStatus {
  const r = tails.get(keyOf(ctx, streamId))?.recording;
  return r ? statusOf(streamId, r) : notRecording(streamId);
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
  'logs.record.start': async ({ streamId, suggestedName }, ctx) => recordStart(streamId, suggestedName, ctx),
  'logs.record.stop': async ({ streamId }, ctx) => recordStop(streamId, ctx),
  'logs.record.status': async ({ streamId }, ctx) => recordStatus(streamId, ctx),
});

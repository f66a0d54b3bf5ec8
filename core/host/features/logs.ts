import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLine, LogStatus, RecordStatus } from '../../../common/contract';
import {
  LogRecorder,
  openMergedTail,
  openTail,
  type LogStreamOptions,
  type PumpOptions,
  type QueuedLine,
  type RecorderOptions,
  type Tail,
} from '../../logs';
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
const tails = new Map<string, { tail: AnyTail; close(reason?: string): Promise<void>; recording?: Recording }>();
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
  /** The container, or a merged tail's containers joined. */
  readonly container: string;
  /** Where each line goes as it is read, while the tab records to disk. */
  recorder: { add(q: QueuedLine): void } | undefined;
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
    container: t.stream.opts.container,
    get recorder() {
      return t.stream.recorder;
    },
    set recorder(r) {
      t.stream.recorder = r;
    },
  };
}
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
    const entry = tails.get(key);
    if (entry?.tail !== tail) return;
    tails.delete(key);
    untrack();
    await entry.recording?.stop(reason ?? 'The tail was closed.');
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
  const target = `${tail.container} -> ${path}`;
  let recorder: LogRecorder;
  try {
    recorder = await LogRecorder.start({
      ...logsTuning.record,
      path,
      container: tail.container,
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
        if (tail.recorder === recorder) tail.recorder = undefined;
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
  tail.recorder = recorder;
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
  'logs.record.start': async ({ streamId, suggestedName }, ctx) => recordStart(streamId, suggestedName, ctx),
  'logs.record.stop': async ({ streamId }, ctx) => recordStop(streamId, ctx),
  'logs.record.status': async ({ streamId }, ctx) => recordStatus(streamId, ctx),
});

import { z } from 'zod';
import { channel, ContainerName, ProfileId, type ChannelDef } from './common';

/**
 * Live log tail. The core holds the SSE connection; lines reach the renderer in batches
 * (`logs.batch`: at once when the pipe is idle, else at most one per ~16 ms, ack or ~200 KB) and the renderer acknowledges what xterm has
 * written (`logs.ack`): past a high watermark of unacknowledged bytes the core stops sending, its
 * bounded queue fills, and it stops reading the socket.
 */

export const StreamId = z.string().regex(/^ls-[a-z0-9]{1,32}$/, 'Invalid stream id');

/** A fresh stream id (the renderer's choice; unique per window is enough, the core scopes ids per session). */
export const newStreamId = (): string =>
  `ls-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

/**
 * One line of the pane. Text fields are already inert: no control characters except "\n", with
 * the private-use markers U+E000 / U+E001 around what was a control (the pane dims those spans).
 */
export const LogLine = z.object({
  /** Position in this stream (markers included), from 1. */
  n: z.number().int(),
  /** rec: a bunyan record; raw: a data line that is not JSON (shown as is, counted); gap: lines possibly
   *  missed; info: something the console says about the stream (reconnected, resumed...). */
  kind: z.enum(['rec', 'raw', 'gap', 'info']),
  /** The server's event id, when it sends them. */
  id: z.string().optional(),
  /** Record time, ms since the epoch (absent when the record has none). */
  t: z.number().optional(),
  level: z.number().optional(),
  /** The extension that wrote it (the record's `webtask` field), inert, at most 128 characters. */
  wt: z.string().max(128).optional(),
  /** 1 when printed by the extension's own code (`sandbox` truthy). */
  sb: z.literal(1).optional(),
  /** What the record says (or the raw line), cut for display when huge. */
  msg: z.string(),
  /** The whole record as JSON (controls escaped), for pretty-printing: sent only while the pane shows
   *  JSON (`logs.options`), absent when too large. */
  json: z.string().optional(),
  /** The original size in bytes when `msg` was cut for display. */
  size: z.number().optional(),
  /** For gaps: from / to (ms since the epoch) and how many lines were missed (null: unknown). */
  gap: z.object({ from: z.number(), to: z.number(), missed: z.number().nullable() }).optional(),
  /** In a merged tail: the container the line came from (the pane prefixes it in that container's colour). */
  container: z.string().max(256).optional(),
});
export type LogLine = z.infer<typeof LogLine>;

export const LogState = z.enum(['connecting', 'connected', 'reconnecting', 'stopped', 'closed']);
export type LogState = z.infer<typeof LogState>;

/** Containers one merged tab may tail at once: each is a connection to the cluster and a share of the queue. */
export const MAX_MERGED_CONTAINERS = 50;

/** What one stream says about itself. */
const StreamStatus = z.object({
  streamId: StreamId,
  container: z.string(),
  state: LogState,
  /** Reconnect attempt in progress (0 when connected). */
  attempt: z.number().int(),
  /** When the next attempt starts (ms since the epoch). */
  nextTryAt: z.number().optional(),
  /** Why the stream is reconnecting or stopped, in words the user can act on. */
  reason: z.string().optional(),
  /** Whether the server offers `Last-Event-ID` resume (null: not known yet). */
  resume: z.boolean().nullable(),
  lines: z.number().int(),
  /** Data lines that were not JSON (shown raw). */
  raw: z.number().int(),
  /** Lines the console had to drop (bounded queue full); never hidden. */
  dropped: z.number().int(),
  gaps: z.number().int(),
  /** Events skipped for being larger than the cap (each has a marker line saying how large). */
  skipped: z.number().int().optional(),
  /** Lines known to be missed across gaps (lower bound; gaps of unknown size are not counted). */
  missed: z.number().int(),
  linesPerSec: z.number(),
  /** Lines waiting in the core's queue. */
  queued: z.number().int(),
  /** True while the core has stopped reading the socket because the pane is behind. */
  backpressure: z.boolean(),
  connects: z.number().int(),
});

/** One container of a merged tail, as its status chip shows it. */
export const MemberStatus = StreamStatus.pick({
  container: true,
  state: true,
  attempt: true,
  nextTryAt: true,
  reason: true,
  resume: true,
  lines: true,
  dropped: true,
  gaps: true,
  missed: true,
  linesPerSec: true,
  backpressure: true,
}).extend({
  /** Muted: its lines are read (its socket keeps flowing) but not sent to the pane; `mutedLines` counts them. */
  muted: z.boolean(),
  mutedLines: z.number().int(),
});
export type MemberStatus = z.infer<typeof MemberStatus>;

export const LogStatus = StreamStatus.extend({
  /** A merged tail: each container's own state (the fields above are the sums). */
  members: z.array(MemberStatus).max(MAX_MERGED_CONTAINERS).optional(),
});
export type LogStatus = z.infer<typeof LogStatus>;

/** A tail being recorded to disk (see core/logs/recorder.ts): where, how much so far, and the cap. */
export const RecordStatus = z.object({
  streamId: StreamId,
  recording: z.boolean(),
  path: z.string().optional(),
  lines: z.number().int(),
  bytes: z.number().int(),
  /** Files started so far (the first, then one per rotation). */
  files: z.number().int(),
  /** Each file's cap and how many older files are kept besides the active one. */
  capBytes: z.number().int(),
  keepFiles: z.number().int(),
  /** Why recording stopped by itself (a write failed, the console was locked). */
  reason: z.string().optional(),
});
export type RecordStatus = z.infer<typeof RecordStatus>;

const OpenInput = z
  .object({
    profileId: ProfileId.optional(),
    /** One container... */
    container: ContainerName.optional(),
    /** ...or several, merged into one pane (at most 50: each is a connection and a share of the queue). */
    containers: z
      .array(ContainerName)
      .min(1)
      .max(MAX_MERGED_CONTAINERS, `At most ${MAX_MERGED_CONTAINERS} containers in one merged tail.`)
      .refine((a) => new Set(a).size === a.length, 'Each container once.')
      .optional(),
    /** Chosen by the renderer, which listens for this id's events before it asks (no event arrives unplaced). */
    streamId: StreamId,
  })
  .refine((o) => (o.container === undefined) !== (o.containers === undefined), 'Give either a container or containers.');

export const logsChannels = {
  'logs.open': channel(
    OpenInput,
    z.object({ streamId: StreamId, container: z.string(), cluster: z.string(), containers: z.array(z.string()).optional() }),
    'Start a live tail of a container, or of several merged',
  ),
  'logs.close': channel(z.object({ streamId: StreamId }), z.object({ closed: z.boolean() }), 'Stop a live tail'),
  'logs.ack': channel(
    z.object({ streamId: StreamId, seq: z.number().int().nonnegative() }),
    z.object({ ok: z.boolean() }),
    'The pane has written every batch up to seq',
  ),
  /** What the pane needs in each line: records' JSON only while it pretty-prints them (half the bytes otherwise). */
  'logs.options': channel(
    z.object({ streamId: StreamId, json: z.boolean() }),
    z.object({ ok: z.boolean() }),
    'Set what a tail sends per line',
  ),
  /** The JSON of kept records from line `from` on, for turning pretty-printing on after lines arrived. */
  'logs.records': channel(
    z.object({ streamId: StreamId, from: z.number().int().nonnegative().default(0) }),
    z.object({ records: z.array(z.object({ n: z.number().int(), json: z.string() })) }),
    'The JSON of the kept records of a tail',
  ),
  'logs.retry': channel(
    z.object({ streamId: StreamId, container: ContainerName.optional() }),
    z.object({ ok: z.boolean() }),
    'Reconnect a stopped tail now (in a merged tail: one container, or every one)',
  ),
  /** For "tail every container where extension X runs": the cross-container list that discovery reads. */
  'logs.containersWith': channel(
    z.object({
      profileId: ProfileId.optional(),
      extension: z.string().min(1).max(512),
      maxPages: z.number().int().min(1).max(200).default(50),
    }),
    z.object({ containers: z.array(z.string()), complete: z.boolean(), pagesRead: z.number().int() }),
    'The containers where an extension of this name runs (master token)',
  ),
  'logs.mute': channel(
    z.object({ streamId: StreamId, container: ContainerName, muted: z.boolean() }),
    z.object({ ok: z.boolean() }),
    "Stop or start sending one container's lines of a merged tail",
  ),
  /** The kept lines, whole (not cut for display), controls escaped, as NDJSON: what "save" writes. */
  'logs.buffer': channel(
    z.object({ streamId: StreamId }),
    z.object({ text: z.string(), lines: z.number().int(), bytes: z.number().int(), oldestDropped: z.number().int() }),
    'The kept lines of a tail, for saving',
  ),
  'logs.clear': channel(z.object({ streamId: StreamId }), z.object({ ok: z.boolean() }), 'Forget the kept lines of a tail'),
  /** The host picks the file (Electron: a save dialog; the browser host: `recordings/<name>` in its data dir). */
  'logs.record.start': channel(
    z.object({
      streamId: StreamId,
      suggestedName: z
        .string()
        .min(1)
        .max(255)
        .regex(/^[^/\\\0]+$/, 'A file name, not a path')
        .refine((n) => n !== '.' && n !== '..', 'A file name, not a path'),
    }),
    z.object({ outcome: z.enum(['recording', 'cancelled']), status: RecordStatus.optional() }),
    'Record every line of a tail to a file, redacted, rotated at a size cap',
  ),
  'logs.record.stop': channel(z.object({ streamId: StreamId }), RecordStatus, 'Stop recording a tail'),
  'logs.record.status': channel(z.object({ streamId: StreamId }), RecordStatus, 'How a tail recording is going'),
} satisfies Record<string, ChannelDef>;

export const logsTopics = {
  'logs.batch': z.object({ streamId: StreamId, seq: z.number().int(), lines: z.array(LogLine) }),
  'logs.status': LogStatus,
  /** While a tail is recorded: once a second, and when it starts or stops. */
  'logs.recording': RecordStatus,
} satisfies Record<string, z.ZodType>;

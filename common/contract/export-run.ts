import { z } from 'zod';

// One definition of the export engine's report and progress, shared by the engine (core/export),
// the contract's export channels and events, and the command line.

/** The final report of one run; the contract (exports channels and events) reuses these schemas. */
export const ExportReport = z.object({
  status: z.enum(['ok', 'failed', 'cancelled']),
  destination: z.string(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** The checkpoint the run started after (null: from the oldest log). */
  startCheckpoint: z.string().nullable(),
  /** Logs read from the source. */
  processed: z.number().int(),
  /** Logs the filter left out (their checkpoint still advances). */
  filtered: z.number().int(),
  /** Logs the destination acknowledged. */
  delivered: z.number().int(),
  /** Logs the destination acknowledged but refused to store (CloudWatch rejectedLogEventsInfo). */
  rejected: z.number().int(),
  unknownTypes: z.record(z.string(), z.number().int()),
  batches: z.number().int(),
  /** Failed requests tried again (rate-limit waits are counted apart, below). */
  retries: z.number().int(),
  /** Waits for a rate limit to reset (the source's 429 or exhausted x-ratelimit-remaining, a destination's 429). Optional: older reports lack it. */
  rateLimitWaits: z.number().int().optional(),
  /** Total time spent in those waits. */
  rateLimitWaitMs: z.number().optional(),
  /** Settings the engine ignored (unknown names), each with the closest known name when there is one. */
  warnings: z.array(z.string()).optional(),
  /** Replay from here to continue: every log up to it was delivered (or filtered). */
  nextCheckpoint: z.string().nullable(),
  /** Set when the run stopped on an error: replay from this checkpoint. */
  failedCheckpoint: z.string().nullable().optional(),
  error: z.string().optional(),
  /** A batch was sent and no acknowledgement came back (a timed-out or dropped request): it may arrive twice. */
  duplicatesPossible: z.boolean(),
  durationMs: z.number(),
  logsPerSecond: z.number(),
});
export type ExportReport = z.infer<typeof ExportReport>;

export const ExportProgress = z.object({
  phase: z.enum(['starting', 'running', 'retrying', 'done']),
  processed: z.number().int(),
  delivered: z.number().int(),
  filtered: z.number().int(),
  batches: z.number().int(),
  retries: z.number().int(),
  logsPerSecond: z.number(),
  checkpoint: z.string().nullable(),
  /**
   * Seconds to go, when the end is known: from MAX_LOGS, or else from the dates covered so far
   * against the newest log's date (asked once at the start, in search mode).
   */
  etaSeconds: z.number().nullable(),
  /** Share of the run done, 0..1, when the end is known. */
  fraction: z.number().nullable(),
  total: z.number().int().nullable(),
  /** The newest log when the run started (the head), when known. */
  head: z.string().nullable(),
  message: z.string().optional(),
});
export type ExportProgress = z.infer<typeof ExportProgress>;

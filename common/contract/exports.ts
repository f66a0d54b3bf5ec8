import { z } from 'zod';
import { ExportProgress, ExportReport } from './export-run';
import { channel, ContainerName, ProfileId, type ChannelDef } from './common';
import { WebtaskName } from './webtasks';
import { LOG_ID } from '../checkpoint';

// Export jobs of a tenant: the log-export extensions, their cron jobs and history, run now,
// replay from a checkpoint (remotely through START_FROM, or locally with the shared engine).
// Nothing here carries a secret's value or a token: destinations are described, never quoted.

const Scope = { profileId: ProfileId.optional() };
const Job = z.object({ ...Scope, container: ContainerName, name: WebtaskName });

/** A log id of the Management API: exactly 56 digits. */
export const Checkpoint = z
  .string()
  .trim()
  .regex(LOG_ID, 'A checkpoint is a log id of exactly 56 digits (e.g. the "Next checkpoint" of a run): paste it without spaces');

/** Replay from the oldest log the source still has (a run that failed before its first checkpoint). */
export const FROM_OLDEST = 'oldest' as const;

export const DestinationKind = z.enum(['cloudwatch', 'logstash', 'elasticsearch', 'azure', 'azure-legacy', 'splunk', 'datadog', 'unknown']);

export const Destination = z.object({
  kind: DestinationKind,
  /** Plain words with no credential: "Logstash http://host/path (index auth0-acme)". */
  label: z.string(),
});
export type Destination = z.infer<typeof Destination>;

/** The export engine's report and progress, as they cross the contract (one definition: ./export-run). */
export const RunReport = ExportReport;
export type RunReport = ExportReport;
export const RunProgress = ExportProgress;
export type RunProgress = ExportProgress;

export const CronState = z.enum(['active', 'inactive']);

export const ScheduleView = z.object({
  schedule: z.string(),
  tz: z.string(),
  /** "Every 5 minutes" */
  description: z.string(),
  /** The next run times (ISO), from the cron expression in its time zone. */
  next: z.array(z.string()),
});
export type ScheduleView = z.infer<typeof ScheduleView>;

export const CronSummary = z.object({
  state: CronState,
  schedule: ScheduleView,
  /** The cluster's own next run time. */
  nextRunAt: z.string().nullable(),
  lastResult: z.object({ type: z.string(), at: z.string().nullable(), statusCode: z.number().int().nullable() }).nullable(),
  runCount: z.number().int(),
  errorCount: z.number().int(),
  createdAt: z.string().nullable(),
});
export type CronSummary = z.infer<typeof CronSummary>;

export const ExportJob = z.object({
  container: z.string(),
  name: z.string(),
  /** The log-export extension it is (meta `auth0-extension-name`). */
  extension: z.string(),
  version: z.string().optional(),
  destination: Destination,
  /** Absent when the extension has no cron job. */
  cron: CronSummary.nullable(),
  /** START_FROM as set in its secrets (a log id, not a secret). */
  startFrom: z.string().nullable(),
  /** What the job stored in webtask storage as its checkpoint, when readable. */
  remoteCheckpoint: z.string().nullable(),
  /** The console's own checkpoint for local replays of this job. */
  localCheckpoint: z.string().nullable(),
  /** Why the job's configuration could not be read fully (shown, not fatal). */
  problem: z.string().optional(),
  /** Settings the export engine ignores (unknown names, with the closest known one): names only, never values. */
  warnings: z.array(z.string()).optional(),
});
export type ExportJob = z.infer<typeof ExportJob>;

export const RunItem = z.object({
  /** cron: the cluster's history; console: a run now / remote replay from this console; local: a local replay. */
  source: z.enum(['cron', 'console', 'local']),
  scheduledAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  type: z.enum(['success', 'error']),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  processed: z.number().int().nullable(),
  delivered: z.number().int().nullable(),
  /** Where the run got to: every log up to it was delivered. */
  checkpoint: z.string().nullable(),
  /** Replay from here (a failed run). */
  failedCheckpoint: z.string().nullable(),
  /** A failed run that had not reached its first checkpoint: replay it from the oldest log. */
  failedAtStart: z.boolean().optional(),
  /** Where the failed checkpoint came from when the run's answer did not carry it. */
  checkpointNote: z.string().optional(),
  error: z.string().optional(),
  report: RunReport.optional(),
});
export type RunItem = z.infer<typeof RunItem>;

/** The answer of `/api/run` for a job (run now, remote replay). */
export const RemoteRun = z.object({
  ok: z.boolean(),
  statusCode: z.number().int(),
  durationMs: z.number(),
  item: RunItem,
  /** The body as text when it was not a report (bounded). */
  body: z.string().optional(),
});
export type RemoteRun = z.infer<typeof RemoteRun>;

export const LocalRunId = z.string().regex(/^lr-[a-z0-9]{6,32}$/, 'Invalid local run id');

export const LocalRun = z.object({
  runId: LocalRunId,
  profileId: z.string(),
  container: z.string(),
  name: z.string(),
  destination: Destination,
  /** The checkpoint the replay started after (null: from the oldest log). */
  from: z.string().nullable(),
  notify: z.boolean(),
  startedAt: z.string(),
  state: z.enum(['running', 'ok', 'failed', 'cancelled']),
  progress: RunProgress.nullable(),
  report: RunReport.nullable(),
});
export type LocalRun = z.infer<typeof LocalRun>;

/** Replays write to a customer's destination: the caller names the tenant and the destination it confirmed. */
export const Confirmation = z.object({ tenant: z.string(), destination: z.string() });

export const ExportSettings = z.object({
  /** Extension names treated as log exports besides the known ones (KNOWN_EXPORT_EXTENSIONS). */
  extraNames: z.array(WebtaskName).max(50),
});
export type ExportSettings = z.infer<typeof ExportSettings>;

export const KNOWN_EXPORT_EXTENSIONS = [
  'logs-to-cloudwatch',
  'logs-to-logstash',
  'logs-to-loganalytics',
  'logs-to-splunk',
  'logs-to-datadog',
] as const;

const Tz = z.string().trim().min(1, 'A time zone is required, e.g. UTC or Europe/Paris').max(64);
const Schedule = z.string().trim().min(1, 'A cron expression is required, e.g. */10 * * * *').max(200);

export const exportsChannels = {
  'exports.jobs': channel(
    z.object({ ...Scope, container: ContainerName }),
    z.object({ container: z.string(), jobs: z.array(ExportJob), names: z.array(z.string()) }),
    "A tenant's log-export jobs",
  ),
  'exports.job': channel(Job, ExportJob, 'One export job'),
  'exports.history': channel(
    Job.extend({ failuresOnly: z.boolean().default(false) }),
    z.object({ runs: z.array(RunItem), total: z.number().int() }),
    "A job's last runs (up to 100), newest first",
  ),
  'exports.setState': channel(Job.extend({ state: CronState }), ExportJob, 'Turn a job on or off (audited)'),
  'exports.previewSchedule': channel(
    z.object({ schedule: Schedule, tz: Tz, count: z.number().int().min(1).max(20).default(5) }),
    ScheduleView,
    'Validate a cron expression and list its next runs',
  ),
  'exports.reschedule': channel(Job.extend({ schedule: Schedule, tz: Tz }), ExportJob, "Change a job's schedule and time zone (audited)"),
  'exports.runNow': channel(Job, RemoteRun, 'Run the job on the cluster now (audited)'),
  'exports.replayRemote': channel(
    Job.extend({ checkpoint: z.union([Checkpoint, z.literal(FROM_OLDEST)]), confirm: Confirmation }),
    RemoteRun.extend({
      startFrom: z.string(),
      /** START_FROM as the run left it: put back to what it was before the replay (null: unset). */
      startFromAfter: z.string().nullable(),
      /** Why START_FROM could not be put back (the engineer must clear it by hand). */
      restoreProblem: z.string().optional(),
    }),
    'Set START_FROM (everything else kept) and run the job on the cluster (audited)',
  ),
  'exports.replayLocal': channel(
    Job.extend({
      /** A checkpoint, or "local" to resume from the console's own checkpoint of this job. */
      from: z.union([Checkpoint, z.literal('local'), z.literal(FROM_OLDEST)]),
      notify: z.boolean().default(false),
      confirm: Confirmation,
    }),
    LocalRun,
    "Run the shared engine here with the job's configuration from a checkpoint (audited)",
  ),
  'exports.cancel': channel(z.object({ runId: LocalRunId }), LocalRun, 'Cancel a local replay (the checkpoint stays consistent)'),
  'exports.localRuns': channel(
    z.object({ container: ContainerName.optional() }),
    z.object({ runs: z.array(LocalRun) }),
    'Local replays of this session, newest first',
  ),
  'exports.settings': channel(z.object({}).optional(), ExportSettings, 'Export settings'),
  'exports.saveSettings': channel(ExportSettings, ExportSettings, 'Save export settings'),
} satisfies Record<string, ChannelDef>;

export const exportsTopics = {
  /** Progress of a local replay (at most a few per second). */
  'exports.progress': z.object({ runId: LocalRunId, container: z.string(), name: z.string(), progress: RunProgress }),
  /** A local replay ended: its final report. */
  'exports.done': LocalRun,
} satisfies Record<string, z.ZodType>;

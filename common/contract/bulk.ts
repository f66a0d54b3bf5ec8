import { z } from 'zod';
import { channel, ContainerName, ProfileId, type ChannelDef } from './common';
import { Checkpoint, Destination, RunProgress, RunReport } from './exports';
import { WebtaskName } from './webtasks';

// Bulk replays (issue 17): many tenants' export jobs replayed from their failed checkpoints after a
// destination outage, locally with bounded concurrency, journaled on disk so a restart continues.

export const BulkId = z.string().regex(/^br-[a-z0-9]{6,32}$/, 'Invalid bulk replay id');

/**
 * One tenant's job to replay. `from`: a log id; `fromBefore`: the checkpoint of the job's last successful
 * run that ended before this time (ISO); neither: its newest failed run's failed checkpoint.
 */
export const BulkTarget = z.object({
  container: ContainerName,
  name: WebtaskName,
  from: Checkpoint.optional(),
  fromBefore: z.string().datetime({ offset: true, message: 'A time like 2026-12-02T10:00:00Z' }).optional(),
});
export type BulkTarget = z.infer<typeof BulkTarget>;

const Targets = z.array(BulkTarget).min(1, 'Select at least one tenant').max(500, 'At most 500 tenants per bulk replay');

export const BulkPlanItem = z.object({
  container: z.string(),
  name: z.string(),
  destination: Destination,
  from: z.string().nullable(),
  /** Where `from` came from, in words ("given", "failed run at …", "the job's stored checkpoint"). */
  fromSource: z.string(),
  /** Logs to replay when cheaply known, else null: an estimate (see `estimateNote`). */
  estimate: z.number().int().nullable(),
  /** How the estimate was made, or why there is none. */
  estimateNote: z.string().optional(),
  cronActive: z.boolean(),
  /** Remote mode: how the cluster's run is made to start at `from`, or what the user must do first. */
  remote: z
    .object({
      /** reset-storage: the console's own extension, its stored checkpoint is set to `from`; start-from: START_FROM
       * (the extension's storage holds no checkpoint); manual: the user must act first (`note` says what). */
      method: z.enum(['reset-storage', 'start-from', 'manual']),
      note: z.string(),
    })
    .optional(),
  /** Why this tenant cannot be replayed (it is left out of a start). */
  problem: z.string().optional(),
});
export type BulkPlanItem = z.infer<typeof BulkPlanItem>;

export const BulkPlan = z.object({
  items: z.array(BulkPlanItem),
  tenants: z.number().int(),
  destinations: z.array(z.string()),
  /** Sum of the tenants' estimates (those that have one), and how many have none. */
  estimateTotal: z.number().int().optional(),
  unestimated: z.number().int().optional(),
});
export type BulkPlan = z.infer<typeof BulkPlan>;

export const BulkTenantState = z.enum(['waiting', 'running', 'paused', 'ok', 'failed', 'cancelled']);
export type BulkTenantState = z.infer<typeof BulkTenantState>;

export const BulkTenant = BulkPlanItem.extend({
  state: BulkTenantState,
  attempts: z.number().int(),
  /** The last acknowledged checkpoint of this tenant's replay (where a resume starts). */
  checkpoint: z.string().nullable(),
  progress: RunProgress.nullable(),
  report: RunReport.nullable(),
  error: z.string().nullable(),
  /** Logs that may have been sent twice: at most one batch per interrupted run. */
  duplicatesPossible: z.boolean(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /**
   * Remote mode: a pause or cancel asked while the tenant's cluster run goes on. That run cannot be stopped
   * from the console: it finishes, then the tenant takes `to` (one that finished ok stays ok). `note` says so.
   */
  stopping: z
    .object({ to: z.enum(['paused', 'cancelled']), note: z.string() })
    .nullable()
    .optional(),
});
export type BulkTenant = z.infer<typeof BulkTenant>;

export const BulkState = z.enum(['running', 'paused', 'done', 'cancelled']);

/** local: the console's engine sends the logs; remote: each tenant's own job runs on the cluster. */
export const BulkMode = z.enum(['local', 'remote']);
export type BulkMode = z.infer<typeof BulkMode>;

/** A fleet row's failing job, as the fleet view gives it. */
export const FleetPick = z.object({ tenant: ContainerName, job: WebtaskName });

/** Which tenants: every export job sending to a host, the fleet's failing export jobs, or by hand. */
export const BulkSelection = z.union([
  z.object({ destinationHost: z.string().trim().min(1, 'Name a destination host').max(253) }),
  z.object({ fleet: z.array(FleetPick).min(1).max(500) }),
  z.object({
    tenants: z
      .array(z.object({ container: ContainerName, name: WebtaskName }))
      .min(1)
      .max(500),
  }),
]);

export const BulkView = z.object({
  bulkId: BulkId,
  profileId: z.string(),
  mode: BulkMode,
  /** Slack summary at the end: sent, or why not (null: not asked for or not yet). */
  slack: z.string().nullable().optional(),
  concurrency: z.number().int(),
  createdAt: z.string(),
  state: BulkState,
  note: z.string().nullable(),
  counts: z.object({
    waiting: z.number().int(),
    running: z.number().int(),
    paused: z.number().int(),
    ok: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
  }),
  delivered: z.number().int(),
  logsPerSecond: z.number(),
  tenants: z.array(BulkTenant),
});
export type BulkView = z.infer<typeof BulkView>;

const Scope = { profileId: ProfileId.optional() };
const One = z.object({ bulkId: BulkId, container: ContainerName.optional(), name: WebtaskName.optional() });

export const BulkSettings = z.object({ concurrency: z.number().int().min(1).max(16) });

export const bulkChannels = {
  'bulk.preview': channel(
    z.object({ ...Scope, tenants: Targets, mode: BulkMode.optional() }),
    BulkPlan,
    'Plan a bulk replay: tenant, job, destination, from-checkpoint, estimate',
  ),
  'bulk.start': channel(
    z.object({
      ...Scope,
      tenants: Targets,
      concurrency: z.number().int().min(1, 'Concurrency is at least 1').max(16, 'Concurrency is at most 16').optional(),
      /** Default local. */
      mode: BulkMode.optional(),
      /** Slack summary at the end to each Slack webhook the jobs are configured with (default true). */
      notify: z.boolean().optional(),
      /** The counts the user confirmed: the core re-plans and refuses if they differ. */
      confirm: z.object({ tenants: z.number().int(), destinations: z.number().int() }),
    }),
    BulkView,
    'Start a local bulk replay (journaled, audited)',
  ),
  'bulk.select': channel(
    z.object({ ...Scope, select: BulkSelection }),
    z.object({
      tenants: z.array(z.object({ container: z.string(), name: z.string(), destination: z.string().optional() })),
      /** What was looked at, in words ("12 export jobs in 40 tenants", "3 fleet rows were not export jobs"). */
      note: z.string(),
      /** By destination host: set when the answer is partial, naming what could not be read (e.g. a tenant
       * token that cannot list other containers: only its own was searched; jobs whose settings failed). */
      partial: z.string().optional(),
    }),
    'Select tenant jobs for a bulk replay: by destination host, from fleet rows, or by hand',
  ),
  'bulk.get': channel(z.object({ bulkId: BulkId }), BulkView, 'One bulk replay'),
  'bulk.list': channel(
    z.object({}).optional(),
    z.object({ bulks: z.array(BulkView) }),
    'Bulk replays in the journal (unfinished ones continue)',
  ),
  'bulk.pause': channel(One, BulkView, 'Pause a bulk replay or one tenant'),
  'bulk.resume': channel(One, BulkView, 'Resume a bulk replay or one tenant'),
  'bulk.cancel': channel(One, BulkView, 'Cancel a bulk replay or one tenant'),
  'bulk.retry': channel(
    z.object({ bulkId: BulkId, container: ContainerName, name: WebtaskName }),
    BulkView,
    'Retry one failed or cancelled tenant',
  ),
  'bulk.report': channel(
    z.object({ bulkId: BulkId, format: z.enum(['json', 'csv']) }),
    z.object({ filename: z.string(), text: z.string() }),
    'A bulk replay report to save',
  ),
  'bulk.settings': channel(z.object({}).optional(), BulkSettings, 'Bulk replay settings'),
  'bulk.saveSettings': channel(BulkSettings, BulkSettings, 'Save bulk replay settings'),
} satisfies Record<string, ChannelDef>;

export const bulkTopics = {
  /** A bulk replay changed (aggregate and rows), scoped by its id; at most a few per second. */
  'bulk.progress': BulkView,
} satisfies Record<string, z.ZodType>;

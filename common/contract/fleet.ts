import { z } from 'zod';
import { channel, ContainerName, ProfileId, type ChannelDef } from './common';
import { MetaPair } from './webtasks';

// The fleet view: one row per tenant (extensions, Auth0 extensions, cron health, export lag) from a
// scan with the master token, and a search across every tenant (name, meta, Auth0 extension, code).
// Scans and searches are long jobs: started by a call, streamed as events that carry their id,
// cancelled by a call. Nothing here carries a token or a secret's value.

const Scope = { profileId: ProfileId.optional() };

export const ScanId = z.string().regex(/^fs-[a-z0-9]{6,32}$/, 'Invalid scan id');
export const SearchId = z.string().regex(/^fq-[a-z0-9]{6,32}$/, 'Invalid search id');

export const FailingJob = z.object({
  name: z.string(),
  /** The cluster's error count for the job (all time). */
  errorCount: z.number().int(),
  lastAt: z.string().nullable(),
  statusCode: z.number().int().nullable(),
  state: z.enum(['active', 'inactive']),
});
export type FailingJob = z.infer<typeof FailingJob>;

export const ExportLag = z.object({
  name: z.string(),
  /** The log-export extension it is (meta `auth0-extension-name`). */
  extension: z.string(),
  /** Its cron job's state (null: no cron job). */
  cron: z.enum(['active', 'inactive']).nullable(),
  /** The stored checkpoint (`{checkpointId}` in webtask storage), a log id. */
  checkpoint: z.string().nullable(),
  /** When the newest exported log (the checkpoint) was written, read from its id. */
  newestAt: z.string().nullable(),
  /** now - newestAt at scan time (null: no checkpoint, or an id the console cannot date). */
  lagMs: z.number().nullable(),
  problem: z.string().optional(),
});
export type ExportLag = z.infer<typeof ExportLag>;

export const FleetRow = z.object({
  container: z.string(),
  /** ok: everything read; partial: some parts missing (see problem); failed: nothing beyond discovery. */
  state: z.enum(['ok', 'partial', 'failed']),
  problem: z.string().optional(),
  extensions: z.number().int(),
  /** Auth0 extensions (meta `auth0-extension: runtime`) by `auth0-extension-name`. */
  auth0: z.record(z.string(), z.number().int()),
  cron: z.object({ active: z.number().int(), inactive: z.number().int() }).nullable(),
  /** Jobs whose last result is an error. */
  failing: z.array(FailingJob),
  /** Sum of the error counts of the failing jobs. */
  errorCount: z.number().int(),
  exports: z.array(ExportLag),
  /** The largest export lag of the tenant (null: no export with a dated checkpoint). */
  maxLagMs: z.number().nullable(),
  scannedAt: z.string(),
});
export type FleetRow = z.infer<typeof FleetRow>;

export const FleetProgress = z.object({
  id: z.string(),
  kind: z.enum(['scan', 'search']),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  phase: z.enum(['discovering', 'scanning']),
  /** Tenants to visit (null while discovery runs). */
  total: z.number().int().nullable(),
  done: z.number().int(),
  failed: z.number().int(),
  /** Extensions seen by discovery so far. */
  discovered: z.number().int(),
  requests: z.number().int(),
  /** 429 answers waited out, and until when (ms since the epoch) the cluster asked us to wait. */
  rateLimited: z.number().int(),
  waitingUntil: z.number().nullable(),
  startedAt: z.string(),
  /** Estimated ms left (null until there is something to estimate from). */
  etaMs: z.number().nullable(),
  message: z.string().optional(),
});
export type FleetProgress = z.infer<typeof FleetProgress>;

export const LastScan = z.object({
  profileId: z.string(),
  at: z.string(),
  /** False when the scan was cancelled or discovery failed: the rows are what it got to. */
  complete: z.boolean(),
  rows: z.array(FleetRow),
});
export type LastScan = z.infer<typeof LastScan>;

const Concurrency = z
  .number()
  .int('Tenants at once is a whole number')
  .min(1, 'Tenants at once: at least 1')
  .max(64, 'Tenants at once: at most 64 (the cluster rate-limits anyway)');

export const FleetSettings = z.object({
  /** Tenants read at once. */
  concurrency: Concurrency,
  /** Export lag above this is "needs attention". */
  lagThresholdMin: z
    .number()
    .int('The lag threshold is a whole number of minutes')
    .min(1, 'The lag threshold is at least 1 minute')
    .max(60 * 24 * 30, 'The lag threshold is at most 30 days'),
});
export type FleetSettings = z.infer<typeof FleetSettings>;
export const DEFAULT_FLEET_SETTINGS: FleetSettings = { concurrency: 8, lagThresholdMin: 60 };

export const CodeQuery = z.object({
  pattern: z.string().min(1, 'Type something to search the code for').max(1000),
  /** A regular expression with RE2 syntax (linear time); otherwise plain text. */
  regex: z.boolean().default(false),
  caseSensitive: z.boolean().default(false),
});

export const SearchQuery = z
  .object({
    /** Case-insensitive part of the extension's name. */
    name: z.string().trim().max(128).optional(),
    /** Every pair must match (AND). */
    meta: z.array(MetaPair).max(10).default([]),
    /** Auth0 extensions only: any (true) or one by `auth0-extension-name`. */
    auth0: z.union([z.boolean(), z.string().trim().min(1).max(128)]).default(false),
    code: CodeQuery.optional(),
  })
  .refine(
    (q) => Boolean(q.name) || q.meta.length > 0 || q.auth0 !== false || q.code !== undefined,
    'Give at least one criterion: a name, a meta pair, an Auth0 extension or code',
  );
export type SearchQuery = z.output<typeof SearchQuery>;

export const HitLine = z.object({
  line: z.number().int(),
  /** The line (cut to 400 characters around the first match). */
  text: z.string(),
  /** Matched [start, end) ranges within `text`. */
  ranges: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export type HitLine = z.infer<typeof HitLine>;

export const SearchHit = z.object({
  name: z.string(),
  meta: z.record(z.string(), z.string()).optional(),
  /** Matching lines (code searches), at most 20. */
  lines: z.array(HitLine),
  /** More lines matched than are listed. */
  moreLines: z.number().int(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const TenantHits = z.object({
  container: z.string(),
  /** failed: this tenant could not be searched (problem says why); its hits may be partial. */
  state: z.enum(['ok', 'failed']),
  problem: z.string().optional(),
  hits: z.array(SearchHit),
});
export type TenantHits = z.infer<typeof TenantHits>;

export const SearchSummary = z.object({
  searchId: SearchId,
  tenants: z.number().int(),
  extensions: z.number().int(),
  /** Extensions whose code was read. */
  scanned: z.number().int(),
  failedTenants: z.number().int(),
  /** Hits beyond the limit were not kept. */
  truncated: z.boolean(),
});

export const fleetChannels = {
  'fleet.settings': channel(z.object({}).optional(), FleetSettings, 'Fleet scan settings'),
  'fleet.saveSettings': channel(FleetSettings, FleetSettings, 'Save fleet scan settings'),
  'fleet.last': channel(
    z.object({ ...Scope }),
    z.object({ scan: LastScan.nullable() }),
    'The last fleet scan of a profile (cached on disk)',
  ),
  'fleet.scan': channel(
    z.object({
      ...Scope,
      concurrency: Concurrency.optional(),
      /** Continue a cancelled scan: tenants it read fine are kept, the rest are scanned. */
      resume: z.boolean().default(false),
    }),
    z.object({ scanId: ScanId }),
    'Scan every tenant (master token); rows stream as fleet.row events (audited)',
  ),
  'fleet.refreshRow': channel(z.object({ ...Scope, container: ContainerName }), FleetRow, 'Scan one tenant again'),
  'fleet.search': channel(
    z.object({ ...Scope, query: SearchQuery, concurrency: Concurrency.optional() }),
    z.object({ searchId: SearchId }),
    'Search every tenant by name, meta, Auth0 extension or code; hits stream as fleet.hits events (audited)',
  ),
  'fleet.cancel': channel(
    z.object({ id: z.string().regex(/^f[sq]-[a-z0-9]{6,32}$/, 'Invalid scan or search id (fs-… or fq-…)') }),
    z.object({ cancelled: z.boolean() }),
    'Cancel a running scan or search',
  ),
  'fleet.export': channel(
    z.object({ ...Scope, what: z.enum(['scan', 'search']), format: z.enum(['csv', 'json']), searchId: SearchId.optional() }),
    z.object({ fileName: z.string(), text: z.string(), mime: z.string() }),
    'The last scan or a search as CSV or JSON',
  ),
} satisfies Record<string, ChannelDef>;

export const fleetTopics = {
  'fleet.progress': FleetProgress,
  'fleet.row': z.object({ scanId: ScanId, row: FleetRow }),
  'fleet.hits': z.object({ searchId: SearchId, tenant: TenantHits }),
  'fleet.searchDone': SearchSummary,
} satisfies Record<string, z.ZodType>;

/** Needs attention: a failing job, or an export lagging more than the threshold (or the row could not be read). */
export function needsAttention(row: FleetRow, lagThresholdMs: number): boolean {
  return row.failing.length > 0 || (row.maxLagMs !== null && row.maxLagMs > lagThresholdMs) || row.state !== 'ok';
}

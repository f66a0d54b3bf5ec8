/**
 * The fleet scan: every container of the cross-container list, then per container its cron jobs
 * and the stored checkpoints of its export jobs, a bounded number of tenants at a time. One row per
 * tenant, streamed as it is ready; a tenant that fails gets a row that says why. Electron- and
 * React-free: the console's host and a command line drive it the same way.
 */
import type { ExportLag, FailingJob, FleetRow } from '../../common/contract/fleet';
import type { WireCronJob } from '../webtask/cron';
import { discoverWithProgress, isCancel, messageOf } from './discover';
import { runPool } from './gate';
import { isLogId } from '../../common/checkpoint';
import { logIdTime } from './logid';
import { Progress, type ProgressReport } from './progress';
import type { FleetWire, WireItem } from './wire';

export interface ScanOptions {
  wire: FleetWire;
  concurrency: number;
  /** `auth0-extension-name` values that are log exports. */
  exportNames: readonly string[];
  signal?: AbortSignal;
  /** Tenants already read (a resumed scan): counted as done, not read again. */
  skip?: ReadonlySet<string>;
  onRow(row: FleetRow): void;
  onProgress(p: ProgressReport): void;
  now?: () => number;
}

export interface ScanResult {
  rows: FleetRow[];
  complete: boolean;
  progress: ProgressReport;
}

export async function scanFleet(opts: ScanOptions): Promise<ScanResult> {
  const { wire } = opts;
  const progress = new Progress(wire, opts.onProgress);
  const rows: FleetRow[] = [];
  const { found, end: stopped } = await discoverWithProgress(wire, { window: Math.min(4, opts.concurrency) }, progress);
  if (stopped) return { rows, complete: false, progress: stopped };
  const all = [...found.byContainer.keys()];
  const containers = opts.skip?.size ? all.filter((c) => !opts.skip!.has(c)) : all;
  progress.done = all.length - containers.length;
  progress.startScanning(all.length);
  await runPool(
    containers,
    opts.concurrency,
    async (container) => {
      try {
        const row = await scanTenant(wire, container, {
          known: found.byContainer.get(container),
          exportNames: opts.exportNames,
          now: opts.now,
        });
        if (row.state !== 'ok') progress.failed++;
        rows.push(row);
        opts.onRow(row);
      } catch (e) {
        if (isCancel(e)) return;
        // scanTenant turns the cluster's failures into rows; anything else is still this tenant's problem only.
        const row = failedRow(container, found.byContainer.get(container) ?? [], `Unexpected error: ${messageOf(e)}`);
        progress.failed++;
        rows.push(row);
        opts.onRow(row);
      }
      progress.done++;
      progress.tick();
    },
    opts.signal,
  );
  const cancelled = opts.signal?.aborted ?? false;
  const complete = !cancelled && found.complete;
  const end = cancelled
    ? progress.finish('cancelled', `Cancelled after ${progress.done} of ${all.length} tenants.`)
    : progress.finish(
        'done',
        found.problem ?? `${all.length} tenants scanned${progress.failed ? `, ${progress.failed} with problems` : ''}.`,
      );
  return { rows, complete, progress: end };
}

function auth0Counts(items: readonly WireItem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of items) {
    if (w.meta?.['auth0-extension'] !== 'runtime') continue;
    const n = w.meta['auth0-extension-name'] ?? '(unnamed)';
    out[n] = (out[n] ?? 0) + 1;
  }
  return out;
}

function failedRow(container: string, items: readonly WireItem[], problem: string, now = Date.now()): FleetRow {
  return {
    container,
    state: 'failed',
    problem,
    extensions: items.length,
    auth0: auth0Counts(items),
    cron: null,
    failing: [],
    errorCount: 0,
    exports: [],
    maxLagMs: null,
    scannedAt: new Date(now).toISOString(),
  };
}

/** One tenant's row. `known`: its extensions from discovery (otherwise listed here, as a refresh does). */
export async function scanTenant(
  wire: FleetWire,
  container: string,
  opts: { known?: readonly WireItem[]; exportNames: readonly string[]; now?: () => number },
): Promise<FleetRow> {
  const now = opts.now ?? Date.now;
  const problems: string[] = [];
  let items: readonly WireItem[];
  if (opts.known) items = opts.known;
  else {
    try {
      items = await wire.listAll(container);
    } catch (e) {
      if (isCancel(e)) throw e;
      return failedRow(container, [], `Extensions could not be listed: ${messageOf(e)}`, now());
    }
  }
  let jobs: WireCronJob[] | null = null;
  try {
    jobs = await wire.cronJobs(container);
  } catch (e) {
    if (isCancel(e)) throw e;
    problems.push(`Cron jobs could not be read: ${messageOf(e)}`);
  }
  const jobByName = new Map((jobs ?? []).map((j) => [j.name, j]));
  const failing: FailingJob[] = [];
  for (const j of jobs ?? []) {
    const last = j.results?.[0];
    if (last?.type === 'error')
      failing.push({
        name: j.name,
        errorCount: j.error_count,
        lastAt: last.completed_at ?? null,
        statusCode: last.statusCode ?? null,
        state: j.state,
      });
  }
  const exportItems = items.filter(
    (w) => w.meta?.['auth0-extension-name'] !== undefined && opts.exportNames.includes(w.meta['auth0-extension-name']),
  );
  const exports: ExportLag[] = [];
  let storageFailures = 0;
  for (const w of exportItems) {
    const job = jobByName.get(w.name);
    const base = { name: w.name, extension: w.meta!['auth0-extension-name']!, cron: job ? job.state : null };
    try {
      const data = await wire.storage(container, w.name);
      const id = data && typeof data === 'object' ? (data as { checkpointId?: unknown }).checkpointId : undefined;
      const checkpoint = isLogId(id) ? id : null;
      const t = checkpoint ? logIdTime(checkpoint) : null;
      exports.push({
        ...base,
        checkpoint,
        newestAt: t === null ? null : new Date(t).toISOString(),
        lagMs: t === null ? null : Math.max(0, now() - t),
        ...(checkpoint && t === null ? { problem: 'The checkpoint is not a log id the console can date.' } : {}),
      });
    } catch (e) {
      if (isCancel(e)) throw e;
      storageFailures++;
      exports.push({
        ...base,
        checkpoint: null,
        newestAt: null,
        lagMs: null,
        problem: `Its checkpoint could not be read: ${messageOf(e)}`,
      });
    }
  }
  if (storageFailures) problems.push(`${storageFailures} export checkpoint${storageFailures === 1 ? '' : 's'} could not be read.`);
  const lags = exports.map((x) => x.lagMs).filter((x): x is number => x !== null);
  const nothingRead = jobs === null && (exportItems.length === 0 || storageFailures === exportItems.length);
  return {
    container,
    state: problems.length === 0 ? 'ok' : nothingRead ? 'failed' : 'partial',
    ...(problems.length ? { problem: problems.join(' ') } : {}),
    extensions: items.length,
    auth0: auth0Counts(items),
    cron: jobs
      ? { active: jobs.filter((j) => j.state === 'active').length, inactive: jobs.filter((j) => j.state === 'inactive').length }
      : null,
    failing,
    errorCount: failing.reduce((a, f) => a + f.errorCount, 0),
    exports,
    maxLagMs: lags.length ? Math.max(...lags) : null,
    scannedAt: new Date(now()).toISOString(),
  };
}

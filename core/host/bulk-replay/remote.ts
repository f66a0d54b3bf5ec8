// One tenant of a remote bulk replay: its own export job runs on the cluster from the replay's
// checkpoint, through the single remote replay (START_FROM set for the run and put back exactly).
// The console only triggers and watches the run's answer. Where the extension is the console's own
// (it runs the shared engine), its stored checkpoint is set to the replay's start first, so the run
// starts there whatever the extension's START_FROM rules; other extensions read START_FROM only while
// their storage holds no checkpoint, so with one stored the tenant fails saying what to do.
import type { RemoteRun, RunProgress, RunReport } from '../../../common/contract';
import { logIdTime } from '../../fleet/logid';
import { HostError } from '../../util/errors';
import type { WebtaskClient } from '../../webtask/client';
import { describeDestination } from '../exports/destination';
import { readExtension, remoteCheckpoint } from '../exports/jobs';
import { exportsHandlers, putWithStartFrom } from '../features/exports';
import type { ProfileRecord } from '../profiles-store';
import type { CallContext } from '../types';

/** Export extensions that run the console's engine (the emulator's): their storage is the console's to set. */
export const OURS = /require\(\s*['"]auth0-log-export['"]\s*\)/;

const dataPath = (c: string, n: string) => `/api/webtask/${encodeURIComponent(c)}/${encodeURIComponent(n)}/data`;

/** Sets `{checkpointId}` in the job's storage, keeping its other fields; the etag refuses a concurrent writer. */
export async function resetStoredCheckpoint(client: WebtaskClient, container: string, name: string, checkpoint: string): Promise<void> {
  const got = await client.json<{ data?: unknown; etag?: unknown }>('GET', dataPath(container, name));
  let data: Record<string, unknown> = {};
  if (typeof got?.data === 'string') {
    try {
      const parsed = JSON.parse(got.data) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
    } catch {
      // not JSON: replaced by a clean record
    }
  }
  await client.json('PUT', dataPath(container, name), {
    body: { data: JSON.stringify({ ...data, checkpointId: checkpoint }), ...(got?.etag !== undefined ? { etag: got.etag } : {}) },
  });
}

/** How long the stored checkpoint must stay put, and how long to watch at most (the run-now limit and some). */
const QUIET_MS = 3_000;
const SETTLE_MAX_MS = 130_000;

/** The job's stored checkpoint once it has not moved for QUIET_MS (a run still going moves it every batch). */
export async function settledCheckpoint(
  client: WebtaskClient,
  container: string,
  name: string,
  signal?: AbortSignal,
  quietMs = QUIET_MS,
): Promise<string | null> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  let last = await remoteCheckpoint(client, container, name);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (signal?.aborted) throw new HostError('cancelled', "Stopped while waiting for the cluster's earlier run to end.");
    if (Date.now() > deadline)
      throw new HostError(
        'conflict',
        `The stored checkpoint of ${name} on ${container} is still moving: a run on the cluster is going on. Retry this tenant later.`,
      );
    await new Promise((r) => setTimeout(r, 500));
    const now = await remoteCheckpoint(client, container, name);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

export interface RemoteTenant {
  container: string;
  name: string;
  from: string;
  /** START_FROM before the bulk first touched the job (undefined: not yet recorded; null: unset). */
  startFromBefore?: string | null;
  attempts: number;
  /** The plan's estimate of the logs from `planFrom` to the head, for the progress while the run goes. */
  estimate?: number | null;
  planFrom?: string;
}

/** How often a running cluster run's stored checkpoint is read (one storage GET per running tenant). */
const WATCH_MS = 1_000;

/**
 * Watches a cluster run while it goes: the cluster tells nothing until the run ends, and the extension
 * logs one line at its end, but the engine saves its checkpoint to the job's storage after every
 * acknowledged batch. What is measured: the stored checkpoint (exact, the last acknowledged log) and
 * how far its time has come from the run's start towards the head (the time the watch began). The logs
 * delivered are that time share of the plan's estimate (an estimate: logs are not counted, which would
 * spend the tenant's logs API rate the run needs); the rate is their change over the watch. Stops when
 * `stop` aborts (the run ended) or after the run-now limit.
 */
export async function watchRemoteRun(
  client: WebtaskClient,
  t: { container: string; name: string; estimate?: number | null; planFrom?: string },
  from: string,
  onProgress: (p: RunProgress) => void,
  stop: AbortSignal,
  everyMs = WATCH_MS,
): Promise<void> {
  const started = Date.now();
  const t0 = logIdTime(t.planFrom ?? from);
  const tFrom = logIdTime(from);
  // Logs per ms of log time, from the plan's estimate over the plan's span (null: not estimable).
  const density = t.estimate && t0 !== null && started > t0 ? t.estimate / (started - t0) : null;
  let last = from;
  while (!stop.aborted && Date.now() - started < SETTLE_MAX_MS) {
    await new Promise<void>((r) => {
      const timer = setTimeout(r, everyMs);
      stop.addEventListener('abort', () => (clearTimeout(timer), r()), { once: true });
    });
    if (stop.aborted) return;
    const cp = await remoteCheckpoint(client, t.container, t.name);
    if (!cp || cp <= from || cp === last) continue;
    last = cp;
    const tCp = logIdTime(cp);
    const fraction = tFrom !== null && tCp !== null && started > tFrom ? Math.min(1, Math.max(0, (tCp - tFrom) / (started - tFrom))) : null;
    const delivered =
      density !== null && tFrom !== null && tCp !== null ? Math.max(0, Math.round(density * (Math.min(tCp, started) - tFrom))) : 0;
    const secs = (Date.now() - started) / 1000;
    if (stop.aborted) return;
    onProgress({
      phase: 'running',
      processed: delivered,
      delivered,
      filtered: 0,
      batches: 0,
      retries: 0,
      logsPerSecond: secs > 0 ? Math.round(delivered / secs) : 0,
      checkpoint: cp,
      etaSeconds: fraction && fraction < 1 ? Math.round((secs * (1 - fraction)) / fraction) : null,
      fraction,
      total: t.estimate ?? null,
      head: null,
      message: "estimated from the job's stored checkpoint while the cluster runs it (the cluster reports the counts at the end)",
    });
  }
}

export interface RemoteOutcome {
  run: RemoteRun;
  from: string;
  report: RunReport | null;
  /** START_FROM could not be put back (the next scheduled run would replay again): the user must clear it. */
  restoreProblem?: string;
}

export async function runRemoteTenant(
  ctx: CallContext,
  profile: ProfileRecord,
  client: WebtaskClient,
  t: RemoteTenant,
  onStartFromRecorded: () => Promise<void>,
  signal?: AbortSignal,
  onProgress?: (p: RunProgress) => void,
): Promise<RemoteOutcome> {
  let cfg = await readExtension(ctx.deps, client, profile, t.container, t.name);
  const now = cfg.secrets.START_FROM;
  if (t.startFromBefore === undefined) {
    t.startFromBefore = now ?? null;
    await onStartFromRecorded();
  } else if ((now ?? null) !== t.startFromBefore) {
    // An earlier attempt stopped (the host died) between setting START_FROM and putting it back.
    await putWithStartFrom(client, t.container, t.name, cfg, t.startFromBefore);
    cfg = await readExtension(ctx.deps, client, profile, t.container, t.name);
  }
  const ours = cfg.code !== undefined && OURS.test(cfg.code);
  // A repeated attempt may follow a host that died while the cluster ran the job: that run may still be
  // going (nothing tells), so its stored checkpoint is watched until it stops moving before going on.
  const stored =
    t.attempts > 1 ? await settledCheckpoint(client, t.container, t.name, signal) : await remoteCheckpoint(client, t.container, t.name);
  // A repeated attempt goes on from where the cluster's earlier run got (its stored checkpoint), not the start.
  const from = t.attempts > 1 && stored && stored > t.from ? stored : t.from;
  if (ours) await resetStoredCheckpoint(client, t.container, t.name, from);
  else if (stored && stored !== from)
    throw new HostError(
      'conflict',
      `${t.name} on ${t.container} is not the console's extension: it reads START_FROM only while its storage holds no checkpoint, and it holds ${stored}. Set its storage to {"checkpointId":"${from}"} (or clear it), then retry this tenant; or replay it locally.`,
    );
  const ended = new AbortController();
  const watching = onProgress ? watchRemoteRun(client, t, from, onProgress, ended.signal).catch(() => undefined) : null;
  let run: Awaited<ReturnType<(typeof exportsHandlers)['exports.replayRemote']>>;
  try {
    run = await exportsHandlers['exports.replayRemote'](
      {
        profileId: profile.id,
        container: t.container,
        name: t.name,
        checkpoint: from,
        confirm: { tenant: t.container, destination: describeDestination(cfg.secrets).label },
      },
      ctx,
    );
  } finally {
    ended.abort();
    await watching;
  }
  return { run, from, report: run.item.report ?? null, ...(run.restoreProblem ? { restoreProblem: run.restoreProblem } : {}) };
}

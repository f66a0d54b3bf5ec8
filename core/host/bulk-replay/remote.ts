// One tenant of a remote bulk replay: its own export job runs on the cluster from the replay's
// checkpoint, through the single remote replay (START_FROM set for the run and put back exactly).
// The console only triggers and watches the run's answer. Where the extension is the console's own
// (it runs the shared engine), its stored checkpoint is set to the replay's start first, so the run
// starts there whatever the extension's START_FROM rules; other extensions read START_FROM only while
// their storage holds no checkpoint, so with one stored the tenant fails saying what to do.
import type { RemoteRun, RunReport } from '../../../common/contract';
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
  const run = await exportsHandlers['exports.replayRemote'](
    {
      profileId: profile.id,
      container: t.container,
      name: t.name,
      checkpoint: from,
      confirm: { tenant: t.container, destination: describeDestination(cfg.secrets).label },
    },
    ctx,
  );
  return { run, from, report: run.item.report ?? null, ...(run.restoreProblem ? { restoreProblem: run.restoreProblem } : {}) };
}

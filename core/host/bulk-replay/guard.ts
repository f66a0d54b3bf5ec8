// One writer per destination stream: a per-job lock shared by single local replays and bulk
// replays, and a check that the cluster's cron is not running the same job right now.
import { CronExpressionParser } from 'cron-parser';
import { HostError } from '../../util/errors';
import type { WebtaskClient } from '../../webtask/client';
import { getCronJob, type WireCronJob } from '../../webtask/cron';
import type { HostDeps } from '../deps';

const locks = new WeakMap<HostDeps, Map<string, string>>();
const lockKey = (profileId: string, container: string, name: string) => `${profileId}\n${container}\n${name}`;

/** Takes the job's lock for `holder` or refuses naming who holds it; returns the release. */
export function lockJob(deps: HostDeps, profileId: string, container: string, name: string, holder: string): () => void {
  let m = locks.get(deps);
  if (!m) locks.set(deps, (m = new Map()));
  const k = lockKey(profileId, container, name);
  const held = m.get(k);
  if (held !== undefined) {
    throw new HostError(
      'conflict',
      `A local replay of ${name} on ${container} is already running (${held}): cancel it or wait for its report.`,
      { runId: held },
    );
  }
  m.set(k, holder);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (m.get(k) === holder) m.delete(k);
  };
}

/**
 * How long a cron run can last at most. A run is a webtask request, which the platform ends at its
 * execution limit (30 s by default); a due time older than this is over even when its end was never
 * recorded, so a lost record cannot refuse replays for ever.
 */
export const CRON_RUN_MAX_MS = 10 * 60_000;

/**
 * Whether the cluster is running the job now. The cron API has no "running" flag: the scheduler moves
 * `next_available_at` when it fires and records `last_scheduled_at` when the run ends, so a job whose
 * last due time (the occurrence before `next_available_at`) is newer than its last recorded run is in
 * flight. That holds for an inactive job too: turning a job off stops the next run, not the one
 * already delivering. Returns the due time of that run, or null.
 */
export function cronRunInFlight(job: WireCronJob, now = Date.now()): string | null {
  if (!job.next_available_at) return null;
  let due: Date;
  try {
    const it = CronExpressionParser.parse(job.schedule, { tz: job.tz, currentDate: new Date(job.next_available_at), strict: false });
    due = it.prev().toDate();
  } catch {
    return null;
  }
  if (now - due.getTime() > CRON_RUN_MAX_MS) return null;
  const last = typeof job.last_scheduled_at === 'string' ? Date.parse(job.last_scheduled_at) : NaN;
  const created = job.created_at ? Date.parse(job.created_at) : NaN;
  if (Number.isFinite(created) && due.getTime() < created) return null;
  if (Number.isFinite(last) && last >= due.getTime()) return null;
  return due.toISOString();
}

/** Refuses (after waiting up to `waitMs`) while the cluster's cron runs the job. */
export async function awaitCronIdle(
  client: WebtaskClient,
  container: string,
  name: string,
  opts: { waitMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    let job: WireCronJob;
    try {
      job = await getCronJob(client, container, name);
    } catch (e) {
      if (e instanceof HostError && e.code === 'not_found') return;
      throw e;
    }
    const due = cronRunInFlight(job);
    if (!due) return;
    if (Date.now() >= deadline || opts.signal?.aborted) {
      throw new HostError(
        'conflict',
        `The cluster's cron is running ${name} on ${container} now (the run due at ${due}): a local replay would write the same logs twice. Wait for it to end (or turn the job off) and try again.`,
        { cronRunDueAt: due },
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}

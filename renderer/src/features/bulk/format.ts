// The bulk view's derived figures: the candidate jobs from the fleet scan, and the aggregate ETA.
import type { BulkTenant, BulkView, FleetRow } from '../../../../common/contract';

/** An export job the bulk tab offers: from the last fleet scan (failing first), or typed in by hand. */
export interface Candidate {
  container: string;
  name: string;
  /** The cron job's last run failed (the fleet's "failing"). */
  failing: boolean;
  statusCode: number | null;
  errorCount: number;
  lagMs: number | null;
  manual: boolean;
}

/** Every export job of the scan, failing ones first, then the most lagging, then by tenant and job. */
export function candidatesOf(rows: FleetRow[], manual: Array<{ container: string; name: string }>): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const e of r.exports) {
      const f = r.failing.find((x) => x.name === e.name);
      seen.add(`${r.container}/${e.name}`);
      out.push({
        container: r.container,
        name: e.name,
        failing: !!f,
        statusCode: f?.statusCode ?? null,
        errorCount: f?.errorCount ?? 0,
        lagMs: e.lagMs,
        manual: false,
      });
    }
  for (const m of manual)
    if (!seen.has(`${m.container}/${m.name}`))
      out.push({ ...m, failing: false, statusCode: null, errorCount: 0, lagMs: null, manual: true });
  return out.sort(
    (a, b) =>
      Number(b.failing) - Number(a.failing) ||
      Number(b.manual) - Number(a.manual) ||
      (b.lagMs ?? -1) - (a.lagMs ?? -1) ||
      a.container.localeCompare(b.container) ||
      a.name.localeCompare(b.name),
  );
}

/** The failing export jobs of fleet rows (the fleet view's "Replay selected"). */
export const failingExportsOf = (rows: FleetRow[]) =>
  rows.flatMap((r) =>
    r.failing.filter((f) => r.exports.some((e) => e.name === f.name)).map((f) => ({ container: r.container, name: f.name })),
  );

const finished = (t: BulkTenant) => t.state === 'ok' || t.state === 'failed' || t.state === 'cancelled';

/**
 * Seconds left, or null when it cannot be told yet. With estimates for every tenant: logs left at the
 * current rate. Otherwise from the tenants done so far: their mean duration for each tenant still to
 * run, `concurrency` at a time.
 */
export function bulkEta(v: BulkView, now = Date.now()): number | null {
  if (v.state !== 'running') return null;
  const left = v.tenants.filter((t) => !finished(t));
  if (left.length === 0) return 0;
  if (v.tenants.every((t) => t.estimate !== null) && v.logsPerSecond > 0) {
    const total = v.tenants.reduce((a, t) => a + (t.estimate ?? 0), 0);
    return Math.max(0, (total - v.delivered) / v.logsPerSecond);
  }
  const durations = v.tenants
    .filter((t) => t.state === 'ok' && t.startedAt && t.endedAt)
    .map((t) => Date.parse(t.endedAt!) - Date.parse(t.startedAt!));
  if (durations.length === 0) return null;
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  const running = left.filter((t) => t.state === 'running');
  // A running tenant has its own ETA when the engine knows one, else the mean minus what it already ran
  // (at least a second); the waiting ones run in rounds.
  const runningLeft = running.map((t) =>
    t.progress?.etaSeconds != null
      ? t.progress.etaSeconds * 1000
      : Math.max(1000, mean - (t.startedAt ? now - Date.parse(t.startedAt) : 0)),
  );
  const rounds = Math.ceil(left.filter((t) => t.state === 'waiting').length / Math.max(1, v.concurrency));
  return (Math.max(0, ...runningLeft) + rounds * mean) / 1000;
}

export function fmtSeconds(s: number | null): string {
  if (s === null) return 'not known yet';
  if (s < 60) return `about ${Math.max(1, Math.round(s))} s`;
  return `about ${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** "3 tenants" / "1 tenant". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Which of a tenant row's controls apply. */
export interface RowControls {
  pause: boolean;
  resume: boolean;
  cancel: boolean;
  retry: boolean;
}

/**
 * A remote tenant's stop asked during its cluster run (`stopping`) is pending until the run ends: it is not
 * asked again; a pending pause can be taken back by a resume (the core allows that) or made a cancel; a
 * pending cancel cannot be taken back.
 */
export function rowControls(t: Pick<BulkTenant, 'state' | 'stopping'>, bulkLive: boolean): RowControls {
  const stop = t.stopping?.to ?? null;
  const going = t.state === 'running' || t.state === 'waiting';
  return {
    pause: going && bulkLive && stop === null,
    resume: t.state === 'paused' || (t.state === 'running' && stop === 'paused'),
    cancel: (going || t.state === 'paused') && stop !== 'cancelled',
    retry: t.state === 'failed' || t.state === 'cancelled',
  };
}

/** The row's progress is the core's estimate (a remote run, until its report replaces it): the reason, else null. */
export const estimatedOf = (t: Pick<BulkTenant, 'progress' | 'report'>): string | null =>
  t.report === null && t.progress?.message ? t.progress.message : null;

/** `bulk.select` by host: its note without the partial part repeated, the partial part apart. */
export function hostSelectionText(r: { note: string; partial?: string }): { note: string; partial: string | null } {
  if (!r.partial) return { note: r.note, partial: null };
  const tail = `; ${r.partial}`;
  return { note: r.note.endsWith(tail) ? r.note.slice(0, -tail.length) : r.note, partial: r.partial };
}

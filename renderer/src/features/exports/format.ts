// Small formatting helpers of the exports views (times in the viewer's zone, with UTC in the title).

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "Nov 23, 14:05" for lists of run times. */
export function fmtShort(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function fmtRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const ms = Date.parse(iso) - now;
  if (Number.isNaN(ms)) return '';
  const abs = Math.abs(ms);
  const words =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${(abs / 3_600_000).toFixed(1)} h`
          : `${(abs / 86_400_000).toFixed(1)} d`;
  return ms >= 0 ? `in ${words}` : `${words} ago`;
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function fmtEta(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return 'unknown (the head is not known)';
  if (s < 60) return `${Math.ceil(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A checkpoint shortened for tables; the full id is in the title and copied on use. */
export const shortCp = (cp: string | null | undefined) => (cp ? `…${cp.slice(-12)}` : '—');

export const n = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toLocaleString());

/** True when the browser knows this IANA zone name. */
export function isZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "Tue, Dec 02, 09:00 GMT+1" in the given zone (the job's): a schedule's times read in the zone it runs in. */
export function fmtInZone(iso: string, tz: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || !isZone(tz)) return iso;
  return d.toLocaleString(undefined, {
    timeZone: tz,
    weekday: 'short',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  });
}

/** The viewer's zone, for "(your time: ...)" beside a job's zone. */
export const BROWSER_TZ = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
})();

/** The fleet's tables as CSV (RFC 4180; cells that a spreadsheet would run as a formula are defused) or JSON. */
import type { FleetRow, TenantHits } from '../../common/contract/fleet';

function cell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  // A cell starting with = + - @ (or a tab/CR) is a formula to Excel and friends: prefix it so it stays text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const csv = (rows: unknown[][]) => rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

const minutes = (ms: number | null) => (ms === null ? '' : Math.round(ms / 60_000));

export function scanCsv(rows: readonly FleetRow[]): string {
  return csv([
    [
      'tenant',
      'state',
      'problem',
      'extensions',
      'auth0_extensions',
      'cron_active',
      'cron_inactive',
      'failing_jobs',
      'error_count',
      'export_jobs',
      'max_export_lag_min',
      'scanned_at',
    ],
    ...rows.map((r) => [
      r.container,
      r.state,
      r.problem ?? '',
      r.extensions,
      Object.entries(r.auth0)
        .map(([n, c]) => `${n}:${c}`)
        .join(' '),
      r.cron?.active ?? '',
      r.cron?.inactive ?? '',
      r.failing.map((f) => f.name).join(' '),
      r.errorCount,
      r.exports.map((x) => x.name).join(' '),
      minutes(r.maxLagMs),
      r.scannedAt,
    ]),
  ]);
}

export function searchCsv(tenants: readonly TenantHits[]): string {
  const out: unknown[][] = [['tenant', 'extension', 'line', 'text', 'problem']];
  for (const t of tenants) {
    if (t.state === 'failed') out.push([t.container, '', '', '', t.problem ?? 'failed']);
    for (const h of t.hits) {
      if (h.lines.length === 0) out.push([t.container, h.name, '', '', '']);
      for (const l of h.lines) out.push([t.container, h.name, l.line, l.text, '']);
    }
  }
  return csv(out);
}

export const toJson = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

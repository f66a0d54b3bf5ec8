import { needsAttention, type FleetRow } from '../../../../common/contract';

export type ColumnId = 'container' | 'state' | 'extensions' | 'auth0' | 'cron' | 'failing' | 'errors' | 'exports' | 'lag' | 'scanned';

export interface Column {
  id: ColumnId;
  title: string;
  numeric: boolean;
  /** What sorting and filtering compare. */
  value(r: FleetRow): string | number;
  width: string;
}

const sumValues = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

export const COLUMNS: Column[] = [
  { id: 'container', title: 'Tenant', numeric: false, value: (r) => r.container, width: '2fr' },
  { id: 'state', title: 'Read', numeric: false, value: (r) => r.state, width: '0.8fr' },
  { id: 'extensions', title: 'Extensions', numeric: true, value: (r) => r.extensions, width: '0.8fr' },
  {
    id: 'auth0',
    title: 'Auth0 ext.',
    numeric: false,
    value: (r) =>
      Object.entries(r.auth0)
        .map(([n, c]) => `${n}${c > 1 ? ` ×${c}` : ''}`)
        .join(', '),
    width: '2fr',
  },
  { id: 'cron', title: 'Cron on/off', numeric: true, value: (r) => r.cron?.active ?? -1, width: '0.8fr' },
  { id: 'failing', title: 'Failing jobs', numeric: true, value: (r) => r.failing.length, width: '1.6fr' },
  { id: 'errors', title: 'Errors', numeric: true, value: (r) => r.errorCount, width: '0.7fr' },
  { id: 'exports', title: 'Exports', numeric: true, value: (r) => r.exports.length, width: '0.7fr' },
  { id: 'lag', title: 'Export lag', numeric: true, value: (r) => r.maxLagMs ?? -1, width: '1fr' },
  { id: 'scanned', title: 'Scanned', numeric: false, value: (r) => r.scannedAt, width: '1fr' },
];
export const auth0Total = (r: FleetRow) => sumValues(r.auth0);

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * One column's filter: text columns match a part (case-insensitive); numeric ones take `>N`, `<N`,
 * `=N` or `N` (at least N); lag filters are in minutes.
 */
export function columnFilter(col: Column, text: string): ((r: FleetRow) => boolean) | null {
  const t = text.trim();
  if (!t) return null;
  if (col.numeric) {
    const m = /^([<>=]?)\s*(\d+(?:\.\d+)?)$/.exec(t);
    if (!m) return () => false;
    const n = Number(m[2]) * (col.id === 'lag' ? 60_000 : 1);
    const op = m[1] || '>=';
    return (r) => {
      const v = col.value(r) as number;
      if (v < 0) return false;
      return op === '>'
        ? v > n
        : op === '<'
          ? v < n
          : op === '='
            ? col.id === 'lag'
              ? Math.round(v / 60_000) === Math.round(n / 60_000)
              : v === n
            : v >= n;
    };
  }
  const q = t.toLowerCase();
  return (r) => String(col.value(r)).toLowerCase().includes(q);
}

export function visibleRows(
  rows: FleetRow[],
  opts: { filters: Partial<Record<ColumnId, string>>; sort: { id: ColumnId; desc: boolean }; attention: boolean; lagThresholdMs: number },
): FleetRow[] {
  const tests = COLUMNS.map((c) => columnFilter(c, opts.filters[c.id] ?? '')).filter((f): f is (r: FleetRow) => boolean => f !== null);
  const col = COLUMNS.find((c) => c.id === opts.sort.id)!;
  const out = rows.filter((r) => (!opts.attention || needsAttention(r, opts.lagThresholdMs)) && tests.every((t) => t(r)));
  out.sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return (opts.sort.desc ? -c : c) || a.container.localeCompare(b.container);
  });
  return out;
}

/**
 * Search across every tenant: by name (part of it), meta pairs (AND), Auth0 extension, and code.
 * Name, meta and Auth0 are answered from the cross-container list alone; code reads each candidate
 * tenant's list with `fetch_code` (meta filters sent to the cluster), a bounded number at a time,
 * and matches with RE2 (matcher.ts). Hits stream per tenant; a tenant that fails says why.
 */
import type { SearchHit, SearchQuery, TenantHits } from '../../common/contract/fleet';
import { discoverWithProgress, isCancel, messageOf } from './discover';
import { runPool } from './gate';
import { compileCodeMatcher, type CodeMatcher } from './matcher';
import { Progress, type ProgressReport } from './progress';
import type { FleetWire, WireItem } from './wire';

/** Extensions kept in one search's results; beyond it the search goes on counting but keeps no more. */
export const MAX_HITS = 5000;

export interface SearchOptions {
  wire: FleetWire;
  concurrency: number;
  query: SearchQuery;
  signal?: AbortSignal;
  onTenant(t: TenantHits): void;
  onProgress(p: ProgressReport): void;
}

export interface SearchResult {
  tenants: TenantHits[];
  extensions: number;
  scanned: number;
  failedTenants: number;
  truncated: boolean;
  complete: boolean;
  progress: ProgressReport;
}

/** The query's meta criteria as the protocol's `meta=k:v` filters (AND). */
export function metaFilters(q: SearchQuery): string[] {
  const out = q.meta.map((p) => `${p.key}:${p.value}`);
  if (q.auth0 === true) out.push('auth0-extension:runtime');
  else if (typeof q.auth0 === 'string') out.push('auth0-extension:runtime', `auth0-extension-name:${q.auth0}`);
  return out;
}

/** Name, meta and Auth0 criteria, checked on what a list gives. */
export function matchesItem(w: WireItem, q: SearchQuery, filters = metaFilters(q)): boolean {
  if (q.name && !w.name.toLowerCase().includes(q.name.toLowerCase())) return false;
  for (const f of filters) {
    const i = f.indexOf(':');
    if (w.meta?.[f.slice(0, i)] !== f.slice(i + 1)) return false;
  }
  return true;
}

export async function searchFleet(opts: SearchOptions): Promise<SearchResult> {
  const { wire, query } = opts;
  // Compile first: a bad pattern is the caller's input error, before any request.
  const matcher: CodeMatcher | null = query.code ? compileCodeMatcher(query.code) : null;
  const filters = metaFilters(query);
  const progress = new Progress(wire, opts.onProgress);
  const tenants: TenantHits[] = [];
  let extensions = 0;
  let scanned = 0;
  let truncated = false;
  const keep = (hits: SearchHit[]): SearchHit[] => {
    const room = Math.max(0, MAX_HITS - extensions);
    extensions += hits.length;
    if (hits.length > room) truncated = true;
    return hits.slice(0, room);
  };
  const result = (complete: boolean, p: ProgressReport): SearchResult => ({
    tenants,
    extensions,
    scanned,
    failedTenants: progress.failed,
    truncated,
    complete,
    progress: p,
  });

  const { found, end: stopped } = await discoverWithProgress(wire, { window: Math.min(4, opts.concurrency) }, progress);
  if (stopped) return result(false, stopped);
  // Tenants with at least one extension passing the name/meta/Auth0 criteria.
  const candidates: Array<[string, WireItem[]]> = [];
  for (const [c, items] of found.byContainer) {
    const ok = items.filter((w) => matchesItem(w, query, filters));
    if (ok.length) candidates.push([c, ok]);
  }
  progress.startScanning(candidates.length);
  const emit = (t: TenantHits) => {
    tenants.push(t);
    opts.onTenant(t);
  };

  if (!matcher) {
    for (const [container, items] of candidates) {
      emit({
        container,
        state: 'ok',
        hits: keep(items.map((w) => ({ name: w.name, ...(w.meta ? { meta: w.meta } : {}), lines: [], moreLines: 0 }))),
      });
      progress.done++;
    }
  } else {
    await runPool(
      candidates,
      opts.concurrency,
      async ([container, known]) => {
        const names = new Set(known.map((w) => w.name));
        try {
          const items = await wire.listAll(container, { meta: filters, code: true });
          const hits: SearchHit[] = [];
          for (const w of items) {
            // The cluster applied the meta filters; the name is checked here (the protocol has no name filter).
            if (!names.has(w.name) && !matchesItem(w, query, filters)) continue;
            if (typeof w.code !== 'string') continue;
            scanned++;
            const m = matcher.match(w.code);
            if (m) hits.push({ name: w.name, ...(w.meta ? { meta: w.meta } : {}), lines: m.lines, moreLines: m.total - m.lines.length });
          }
          if (hits.length) emit({ container, state: 'ok', hits: keep(hits) });
        } catch (e) {
          if (isCancel(e)) return;
          progress.failed++;
          emit({
            container,
            state: 'failed',
            problem: `This tenant could not be searched: ${messageOf(e)}`,
            hits: [],
          });
        }
        progress.done++;
        progress.tick();
      },
      opts.signal,
    );
  }
  const cancelled = opts.signal?.aborted ?? false;
  if (cancelled) return result(false, progress.finish('cancelled', `Cancelled after ${progress.done} of ${candidates.length} tenants.`));
  const msg = `${extensions} extension${extensions === 1 ? '' : 's'} in ${tenants.filter((t) => t.hits.length).length} tenants${progress.failed ? `; ${progress.failed} tenants could not be searched` : ''}.`;
  return result(found.complete, progress.finish('done', found.problem ? `${found.problem} ${msg}` : msg));
}

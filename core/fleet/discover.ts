import { HostError } from '../util/errors';
import type { Progress, ProgressReport } from './progress';
import type { FleetWire, WireItem } from './wire';

export const isCancel = (e: unknown): boolean => e instanceof HostError && e.code === 'cancelled';
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Pages of the cross-container list (the size `tenants.discover` uses). */
export const CROSS_PAGE = 1000;

export interface Discovered {
  /** Extensions (name and meta) per container, in the cluster's order. */
  byContainer: Map<string, WireItem[]>;
  /** False when a page failed: the containers found so far are all there is to go on. */
  complete: boolean;
  problem?: string;
}

/**
 * Walks the cross-container list. Pages have no cursor (a full page means "maybe more"), so a few
 * are asked for at once and the walk ends at the first short page.
 */
export async function discoverFleet(
  wire: FleetWire,
  opts: { window?: number; pageSize?: number; onPage?: (found: number) => void } = {},
): Promise<Discovered> {
  const size = opts.pageSize ?? CROSS_PAGE;
  const window = Math.max(1, opts.window ?? 4);
  const byContainer = new Map<string, WireItem[]>();
  let found = 0;
  for (let first = 0; ; first += window) {
    const pages = await Promise.allSettled(Array.from({ length: window }, (_, k) => wire.crossPage((first + k) * size, size)));
    for (let k = 0; k < pages.length; k++) {
      const r = pages[k]!;
      if (r.status === 'rejected') {
        const e = r.reason as unknown;
        if (e instanceof HostError && (e.code === 'cancelled' || ((e.code === 'forbidden' || e.code === 'unauthorized') && found === 0)))
          throw e;
        const msg = e instanceof Error ? e.message : String(e);
        return { byContainer, complete: false, problem: `Discovery stopped at page ${first + k + 1} of the cross-container list: ${msg}` };
      }
      for (const w of r.value) {
        let list = byContainer.get(w.container);
        if (!list) byContainer.set(w.container, (list = []));
        list.push(w);
      }
      found += r.value.length;
      opts.onPage?.(found);
      if (r.value.length < size) return { byContainer, complete: true };
    }
  }
}

/**
 * Discovery as the scan and the search run it: each page counted into `progress`; a cancel or a
 * failure ends the job there, as `end` (the finished report), for the caller to return.
 */
export async function discoverWithProgress(
  wire: FleetWire,
  opts: { window?: number; pageSize?: number },
  progress: Progress,
): Promise<{ found: Discovered; end?: undefined } | { found?: undefined; end: ProgressReport }> {
  try {
    const found = await discoverFleet(wire, {
      ...opts,
      onPage: (n) => {
        progress.discovered = n;
        progress.tick();
      },
    });
    return { found };
  } catch (e) {
    if (isCancel(e)) return { end: progress.finish('cancelled', 'Cancelled during discovery.') };
    return { end: progress.finish('failed', `Discovery failed: ${messageOf(e)}`) };
  }
}

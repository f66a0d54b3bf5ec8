import { useShell } from '../../shell/store';
import type { Filter } from './format';

export interface OpenLogTabOptions {
  /** Start with this filter (e.g. an export job's name as text, extension output only). */
  filter?: Partial<Filter>;
  /** The profile whose cluster to tail (the active one when absent). */
  profileId?: string;
}

/** Opens (or focuses) the live tail of a container: one tab per profile and container (pass `profileId`
 *  so the same tenant opened from the sidebar, a tenant view or an export job lands in one tab). */
export function openLogTab(container: string, opts: OpenLogTabOptions = {}): void {
  const id = `logs:${opts.profileId ?? 'active'}:${container}`;
  useShell.getState().openTab({
    id,
    kind: 'logs',
    title: `Logs · ${container}`,
    params: { container, ...(opts.profileId ? { profileId: opts.profileId } : {}), ...(opts.filter ? { filter: opts.filter } : {}) },
  });
}

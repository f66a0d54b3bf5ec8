import { useShell } from '../../shell/store';
import { useProfiles } from '../profiles/store';
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
  // The active profile named in the id: the sidebar's Tail and a tenant view's Logs land in one tab.
  const profileId = opts.profileId ?? useProfiles.getState().activeId ?? undefined;
  const id = `logs:${profileId ?? 'active'}:${container}`;
  useShell.getState().openTab({
    id,
    kind: 'logs',
    title: `Logs · ${container}`,
    params: { container, ...(profileId ? { profileId } : {}), ...(opts.filter ? { filter: opts.filter } : {}) },
  });
}

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

/** A short stable name for a set of containers (the tab's id and label): FNV-1a of the sorted names. */
function setName(containers: string[]): string {
  let h = 0x811c9dc5;
  for (const ch of [...containers].sort().join('\n')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Opens (or focuses) one tab tailing several containers merged (at most `MAX_MERGED_CONTAINERS`; the caller says why when it trims). */
export function openMergedLogTab(containers: string[], opts: OpenLogTabOptions = {}): void {
  const profileId = opts.profileId ?? useProfiles.getState().activeId ?? undefined;
  const label = `merged-${setName(containers)}`;
  useShell.getState().openTab({
    id: `logs:${profileId ?? 'active'}:${label}`,
    kind: 'logs',
    title: `Logs · ${containers.length} containers`,
    params: { container: label, containers, ...(profileId ? { profileId } : {}), ...(opts.filter ? { filter: opts.filter } : {}) },
  });
}

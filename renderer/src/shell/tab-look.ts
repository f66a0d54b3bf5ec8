/**
 * What a tab says about itself besides its title: which profile (cluster) it acts on, as a colour
 * and a short label, and what kind of view it is. Two clusters both holding "acme-prod" must not
 * look alike (issue: acting on the wrong cluster).
 */
import { PROFILE_COLOURS, type Profile } from '../../../common/contract';
import type { TabSpec } from './store';

export const KIND_LABEL: Record<string, string> = {
  tenant: 'tenant',
  webtask: 'extension',
  logs: 'logs',
  exports: 'exports',
  profile: 'profile',
  'profile-import': 'import',
  audit: 'audit',
  bulk: 'bulk replay',
};

export const kindLabel = (kind: string) => KIND_LABEL[kind] ?? kind;

/** The profile a tab acts on, when it names one. */
export function tabProfileId(tab: TabSpec): string | undefined {
  const p = tab.params ?? {};
  if (typeof p.profileId === 'string') return p.profileId;
  if (tab.kind === 'profile' && typeof p.id === 'string') return p.id;
  return undefined;
}

/** Same id, same colour, across launches: a small string hash picks from the palette. */
function hashColour(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return PROFILE_COLOURS[h % PROFILE_COLOURS.length]!;
}

/** "Local emulator" → "LE"; "acme EU prod" → "AEP". */
export const initials = (name: string) =>
  name
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase())
    .join('')
    .slice(0, 3) || '?';

export interface ProfileMark {
  colour: string;
  label: string;
  name: string;
}

export function profileMark(profile: Pick<Profile, 'id' | 'name' | 'colour' | 'label'> | undefined, id: string): ProfileMark {
  if (!profile) return { colour: hashColour(id), label: '?', name: 'a removed profile' };
  return { colour: profile.colour ?? hashColour(profile.id), label: profile.label || initials(profile.name), name: profile.name };
}

import { randomBytes } from 'node:crypto';
import { HostError } from '../util/errors';
import type { HostDeps } from './deps';

/** A profile as stored: everything but the token, which only the vault holds. */
export interface ProfileRecord {
  id: string;
  name: string;
  url: string;
  container: string;
  source: 'manual' | 'wt-cli' | 'embedded';
  tokenKind: 'v1' | 'v2' | 'unknown';
  /** The origin (scheme://host:port) the stored token was saved for; see core/host/tokens.ts. */
  tokenOrigin?: string;
  /** How its tabs are marked; set in the profile form. */
  colour?: string;
  label?: string;
  createdAt: string;
  updatedAt: string;
}

const KEY = 'profiles';
const ACTIVE = 'activeProfile';

export const readProfiles = (deps: HostDeps): ProfileRecord[] => deps.settings.get<ProfileRecord[]>(KEY, []);
export const writeProfiles = (deps: HostDeps, list: ProfileRecord[]) => deps.settings.set(KEY, list);
export const activeProfileId = (deps: HostDeps): string | null => {
  const id = deps.settings.get<string | null>(ACTIVE, null);
  const list = readProfiles(deps);
  return id && list.some((p) => p.id === id) ? id : (list[0]?.id ?? null);
};
export const setActiveProfile = (deps: HostDeps, id: string) => deps.settings.set(ACTIVE, id);

/** The tab colour and label of a save: only the fields the form sent (an empty label clears it). */
export function appearanceOf(input: { colour?: string; label?: string }): Pick<ProfileRecord, 'colour' | 'label'> {
  return { ...(input.colour ? { colour: input.colour } : {}), ...(input.label !== undefined ? { label: input.label || undefined } : {}) };
}

export const newProfileId = (name: string) =>
  `${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'profile'
  }-${randomBytes(3).toString('hex')}`;

export function findProfile(deps: HostDeps, id: string | undefined): ProfileRecord {
  const list = readProfiles(deps);
  const wanted = id ?? activeProfileId(deps);
  const p = list.find((x) => x.id === wanted);
  if (!p) throw new HostError('not_found', id ? `No profile with id ${id}.` : 'No profile yet: create one first.');
  return p;
}

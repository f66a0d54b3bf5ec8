/**
 * The one gate to a token. Every handler that needs a profile's token, or a client that carries it,
 * comes here (never to `deps.vault.get`): the gate refuses while the console is locked, reads the
 * vault, registers the token with the redactor, and checks that the profile still points at the
 * origin the token was saved for. A token is bound to that origin (scheme://host:port): changing a
 * profile's URL without entering the token again drops the stored token (see `saveBinding`), and the
 * webtask client refuses to put it on a request to any other origin.
 */
import { HostError } from '../util/errors';
import { WebtaskClient } from '../webtask/client';
import { originOf } from '../webtask/origin';
import type { HostDeps, TokenStorage } from './deps';
import { findProfile, readProfiles, type ProfileRecord } from './profiles-store';

export { originOf };

export const LOCKED_MESSAGE = 'The console is locked: unlock it to use stored tokens.';

export const isLocked = (deps: HostDeps): boolean => deps.vault.status().backend === 'locked';

/** Throws the typed `locked` error while the console is locked. */
export function assertUnlocked(deps: HostDeps, what = LOCKED_MESSAGE): void {
  if (isLocked(deps)) throw new HostError('locked', what);
}

/** The origin a profile's token is bound to: the one recorded when it was saved, else (older records) its URL's. */
export const boundOrigin = (p: ProfileRecord): string => p.tokenOrigin ?? originOf(p.url);

export interface GatedToken {
  profile: ProfileRecord;
  token: string;
  /** The only origin this token may be sent to. */
  origin: string;
}

/** A profile's token, for the one flow that cannot take a client yet (the log stream builds its own URL). */
export async function tokenFor(deps: HostDeps, profileId?: string): Promise<GatedToken> {
  const profile = findProfile(deps, profileId);
  assertUnlocked(deps);
  const origin = boundOrigin(profile);
  if (originOf(profile.url) !== origin) {
    // Only a settings file edited behind the console's back gets here: profiles.save drops the token on a change.
    throw new HostError(
      'unauthorized',
      `The token of "${profile.name}" was saved for ${origin}, not ${originOf(profile.url)}: enter it again in the profile.`,
      { profileId: profile.id },
    );
  }
  const token = await deps.vault.get(profile.id);
  if (!token) {
    // A lock that raced this call reads as "locked", not as a missing token.
    assertUnlocked(deps);
    throw new HostError(
      'unauthorized',
      `No token is available for profile "${profile.name}" (never stored, kept for a previous session only, or no longer decryptable on this machine). Enter it again in the profile.`,
      { profileId: profile.id },
    );
  }
  deps.redactor.add(token);
  return { profile, token, origin };
}

/** A webtask client for a profile, bound to the origin its token was saved for. */
export async function clientFor(
  deps: HostDeps,
  profileId?: string,
  opts: { timeoutMs?: number } = {},
): Promise<{ profile: ProfileRecord; client: WebtaskClient }> {
  const { profile, token, origin } = await tokenFor(deps, profileId);
  return {
    profile,
    client: new WebtaskClient({ url: profile.url, token, tokenOrigin: origin, timeoutMs: opts.timeoutMs ?? deps.requestTimeoutMs }),
  };
}

/** A client for a token typed in just now (testing a profile before saving it): bound to the URL it was typed with. */
export function clientForTyped(deps: HostDeps, url: string, token: string): WebtaskClient {
  deps.redactor.add(token);
  return new WebtaskClient({ url, token, tokenOrigin: originOf(url), timeoutMs: deps.requestTimeoutMs });
}

/**
 * Stores a token for a profile and binds it to the profile's origin. Honours the user's choice when the
 * OS offers no real keyring: without an answer the call fails with `needs_confirmation`, and the UI asks.
 */
export async function storeToken(deps: HostDeps, record: ProfileRecord, token: string, choice: TokenStorage | undefined): Promise<void> {
  assertUnlocked(deps, 'The console is locked: unlock it before storing a token.');
  const status = deps.vault.status();
  let storage: TokenStorage = status.persistent ? 'persistent' : 'session';
  if (status.backend === 'weak') {
    if (!choice) {
      throw new HostError(
        'needs_confirmation',
        status.warning ?? 'This system offers no keyring: a stored token would be protected by a hard-coded key only.',
        { choices: ['persistent', 'session'] },
      );
    }
    storage = choice;
  } else if (choice === 'session') {
    storage = 'session';
  }
  deps.redactor.add(token);
  await deps.vault.set(record.id, token, storage);
  record.tokenOrigin = originOf(record.url);
}

/**
 * An edit that moves a profile to another origin without a new token: the stored token is dropped
 * (it was entered for the old origin; sending it to the new one is what an attacker who can drive the
 * UI would want). Returns whether it was dropped, so the answer can say so.
 */
export async function dropTokenIfMoved(deps: HostDeps, before: ProfileRecord, after: ProfileRecord, newToken: boolean): Promise<boolean> {
  if (newToken || originOf(after.url) === boundOrigin(before)) return false;
  const had = (await deps.vault.storageOf(before.id)) !== 'none';
  await deps.vault.delete(before.id);
  delete after.tokenOrigin;
  return had;
}

/** The session-only profiles of this moment: what a lock loses for good. */
export async function sessionOnlyProfiles(deps: HostDeps): Promise<Set<string>> {
  const out = new Set<string>();
  for (const p of readProfiles(deps)) if ((await deps.vault.storageOf(p.id)) === 'session') out.add(p.id);
  return out;
}

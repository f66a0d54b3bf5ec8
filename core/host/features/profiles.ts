import type { ConnectionTest, Profile } from '../../../common/contract';
import { HostError } from '../../util/errors';
import { WebtaskClient } from '../../webtask/client';
import { defaultWtProfilePath, readWtProfiles, tokenKindOf } from '../../webtask/wt-profiles';
import { audit } from '../audit';
import type { HostDeps } from '../deps';
import { clientFor, clientForTyped, dropTokenIfMoved, storeToken } from '../tokens';
import {
  activeProfileId,
  appearanceOf,
  findProfile,
  newProfileId,
  readProfiles,
  setActiveProfile,
  writeProfiles,
  type ProfileRecord,
} from '../profiles-store';
import { defineHandlers } from '../types';

export async function toProfile(deps: HostDeps, r: ProfileRecord): Promise<Profile> {
  const storage = await deps.vault.storageOf(r.id);
  const { tokenOrigin: _bound, ...shown } = r;
  return { ...shown, hasToken: storage !== 'none', tokenStorage: storage };
}

export const TOKEN_DROPPED = 'The token was removed because the URL changed: enter it again.';

/** One request that proves url + token + container work: the first entry of the container's list. */
export async function testConnection(client: WebtaskClient, container: string): Promise<ConnectionTest> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await client.raw('GET', `/api/webtask/${encodeURIComponent(container)}`, {
      query: { limit: 1 },
      headers: { accept: 'application/json' },
    });
    if (res.status < 400) {
      try {
        const body: unknown = JSON.parse(res.body.toString('utf8'));
        if (!Array.isArray(body)) throw new Error('not a list');
      } catch {
        return {
          outcome: 'bad_response',
          status: res.status,
          elapsedMs: elapsed(),
          message: `HTTP ${res.status}, but the answer is not a webtask list: is this a webtask cluster URL?`,
        };
      }
      return {
        outcome: 'ok',
        status: res.status,
        elapsedMs: elapsed(),
        message: `Connected: container "${container}" is readable with this token.`,
      };
    }
    const err = WebtaskClient.statusError(res, `Listing container "${container}"`);
    const outcome = res.status === 403 || res.status === 401 ? 'forbidden' : res.status === 404 ? 'not_found' : 'bad_response';
    return { outcome, status: res.status, elapsedMs: elapsed(), message: err.message };
  } catch (e) {
    if (e instanceof HostError && (e.code === 'unreachable' || e.code === 'timeout' || e.code === 'too_large')) {
      return { outcome: e.code === 'too_large' ? 'bad_response' : e.code, elapsedMs: elapsed(), message: e.message };
    }
    throw e;
  }
}

export const profileHandlers = defineHandlers({
  'profiles.list': async (_input, { deps }) => ({
    profiles: await Promise.all(readProfiles(deps).map((r) => toProfile(deps, r))),
    activeId: activeProfileId(deps),
  }),

  'profiles.save': async (input, ctx) => {
    const { deps } = ctx;
    const list = readProfiles(deps);
    const now = new Date().toISOString();
    let record: ProfileRecord;
    let tokenDropped = false;
    if (input.id) {
      const existing = findProfile(deps, input.id);
      record = { ...existing, name: input.name, url: input.url, container: input.container, updatedAt: now };
      // A token travels only to the origin it was entered for: a new origin needs the token again.
      tokenDropped = await dropTokenIfMoved(deps, existing, record, Boolean(input.token));
    } else {
      if (!input.token) throw new HostError('invalid_input', 'token: A new profile needs its token.');
      record = {
        id: newProfileId(input.name),
        name: input.name,
        url: input.url,
        container: input.container,
        source: 'manual',
        tokenKind: 'unknown',
        createdAt: now,
        updatedAt: now,
      };
    }
    Object.assign(record, appearanceOf(input));
    if (input.token) {
      await storeToken(deps, record, input.token, input.tokenStorage);
      record.tokenKind = WebtaskClient.tokenKind(input.token);
    }
    writeProfiles(deps, input.id ? list.map((p) => (p.id === record.id ? record : p)) : [...list, record]);
    if (!input.id && list.length === 0) setActiveProfile(deps, record.id);
    await audit(ctx, {
      action: input.id ? 'profile.edit' : 'profile.create',
      profile: record.name,
      target: record.url,
      outcome: 'ok',
      detail: { tokenChanged: Boolean(input.token), tokenDropped },
    });
    return { ...(await toProfile(deps, record)), ...(tokenDropped ? { tokenDropped: TOKEN_DROPPED } : {}) };
  },

  'profiles.remove': async ({ id }, ctx) => {
    const { deps } = ctx;
    const list = readProfiles(deps);
    const found = list.find((p) => p.id === id);
    if (!found) return { removed: false };
    // The token is gone with the profile; the redactor keeps any it already knew (it may still sit in a
    // scrollback or an error on screen), so nothing needs reading from the vault here.
    await deps.vault.delete(id);
    writeProfiles(
      deps,
      list.filter((p) => p.id !== id),
    );
    // Its tenants (added, pinned, recent) go with it.
    deps.settings.set(`tenants:${id}`, undefined);
    await audit(ctx, { action: 'profile.remove', profile: found.name, target: found.url, outcome: 'ok' });
    return { removed: true };
  },

  'profiles.activate': async ({ id }, { deps }) => {
    findProfile(deps, id);
    setActiveProfile(deps, id);
    return { activeId: id };
  },

  'profiles.test': async (input, ctx) => {
    const { deps } = ctx;
    let client: WebtaskClient;
    let container: string;
    let label: string;
    if ('id' in input) {
      const profile = findProfile(deps, input.id);
      try {
        ({ client } = await clientFor(deps, profile.id));
      } catch (e) {
        // "Locked" stays an error (the UI says unlock); a missing token is an outcome of the test.
        if (e instanceof HostError && e.code === 'unauthorized') return { outcome: 'no_token', elapsedMs: 0, message: e.message };
        throw e;
      }
      container = profile.container;
      label = profile.name;
    } else {
      client = clientForTyped(deps, input.url, input.token);
      container = input.container;
      label = input.url;
    }
    const result = await testConnection(client, container);
    await audit(ctx, {
      action: 'profile.test',
      profile: label,
      tenant: container,
      outcome: result.outcome === 'ok' ? 'ok' : 'error',
      detail: { outcome: result.outcome, status: result.status },
    });
    return result;
  },

  'profiles.importPreview': async ({ path }, { deps }) => {
    const file = path ?? defaultWtProfilePath();
    const entries = await readWtProfiles(file);
    const existing = readProfiles(deps).filter((p) => p.source === 'wt-cli');
    return {
      path: file,
      profiles: entries.map((e) => ({
        name: e.name,
        url: e.url,
        container: e.container,
        tokenKind: tokenKindOf(e.token),
        ...(e.problem ? { problem: e.problem } : {}),
        ...(existing.find((p) => p.name === e.name) ? { existingId: existing.find((p) => p.name === e.name)!.id } : {}),
      })),
    };
  },

  'profiles.import': async ({ path, names, tokenStorage }, ctx) => {
    const { deps } = ctx;
    const file = path ?? defaultWtProfilePath();
    const entries = await readWtProfiles(file);
    // Every token of the file is a secret from now on, chosen or not.
    for (const e of entries) deps.redactor.add(e.token);
    const chosen = names.map((n) => {
      const e = entries.find((x) => x.name === n);
      if (!e) throw new HostError('not_found', `${file} has no profile named "${n}".`);
      if (e.problem) throw new HostError('invalid_input', `Profile "${n}" of ${file} cannot be imported: ${e.problem}.`);
      return e;
    });
    const imported: Profile[] = [];
    for (const e of chosen) {
      const list = readProfiles(deps);
      const now = new Date().toISOString();
      const prev = list.find((p) => p.source === 'wt-cli' && p.name === e.name);
      const record: ProfileRecord = {
        id: prev?.id ?? newProfileId(e.name),
        name: e.name,
        url: e.url!.replace(/\/+$/, ''),
        container: e.container!,
        source: 'wt-cli',
        tokenKind: WebtaskClient.tokenKind(e.token!),
        createdAt: prev?.createdAt ?? now,
        updatedAt: now,
      };
      // Vault first: a refused token (locked, or a weak keyring awaiting the user's answer) leaves no half profile.
      await storeToken(deps, record, e.token!, tokenStorage);
      writeProfiles(deps, prev ? list.map((p) => (p.id === record.id ? record : p)) : [...list, record]);
      if (list.length === 0) setActiveProfile(deps, record.id);
      imported.push(await toProfile(deps, record));
    }
    await audit(ctx, { action: 'profile.import', target: file, outcome: 'ok', detail: { profiles: chosen.map((e) => e.name) } });
    return {
      imported,
      path: file,
      plaintextWarning: `${file} still holds ${entries.length === 1 ? 'its token' : 'the tokens'} in plain text: the console left it untouched. Delete it (or the imported profiles in it) if the wt CLI no longer needs them.`,
    };
  },
});

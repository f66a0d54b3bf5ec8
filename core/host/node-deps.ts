import { homedir, platform, userInfo } from 'node:os';
import { join } from 'node:path';
import packageJson from '../../package.json';
import { Redactor } from '../util/redact';
import { Flows } from './flows';
import type { HostDeps, HostInfo, TokenVault } from './deps';
import { WebtaskClient } from '../webtask/client';
import { readProfiles, setActiveProfile, writeProfiles, activeProfileId } from './profiles-store';
import { JsonFileSettings, JsonlAuditLog, SessionVault } from './stores';
import { originOf } from './tokens';

export const APP_NAME = 'Extend Support Console';
// One version, package.json's: the bundlers and tsx inline the field.
export const APP_VERSION: string = packageJson.version;

export function defaultDataDir(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'extend-support-console');
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Dependencies for hosts that run in plain Node: the browser host, the command line, tests. */
export function createNodeDeps(opts: { dataDir: string; host: HostInfo['host']; vault?: TokenVault; requestTimeoutMs?: number }): HostDeps {
  // One redactor for results, events and every store that writes to disk.
  const redactor = new Redactor();
  return {
    info: { name: APP_NAME, version: APP_VERSION, host: opts.host, platform: platform(), user: currentUser() },
    vault: opts.vault ?? new SessionVault(),
    settings: new JsonFileSettings(join(opts.dataDir, 'settings.json'), redactor),
    audit: new JsonlAuditLog(join(opts.dataDir, 'audit.jsonl'), redactor),
    redactor,
    flows: new Flows(),
    dataDir: opts.dataDir,
    requestTimeoutMs: opts.requestTimeoutMs,
  };
}

export const EMBEDDED_PROFILE_ID = 'local-emulator';

/**
 * Makes (or refreshes) the profile of the emulator started with the app: its port changes every
 * launch, and its master token is kept for the session only.
 */
export async function registerEmbeddedCluster(
  deps: HostDeps,
  cluster: { url: string; masterToken: string; container: string },
): Promise<void> {
  const list = readProfiles(deps);
  const now = new Date().toISOString();
  const existing = list.find((p) => p.id === EMBEDDED_PROFILE_ID);
  const record = {
    id: EMBEDDED_PROFILE_ID,
    name: 'Local emulator',
    url: cluster.url,
    container: existing?.container ?? cluster.container,
    source: 'embedded' as const,
    tokenKind: WebtaskClient.tokenKind(cluster.masterToken),
    // The user's tab colour and label survive the relaunch that refreshes the URL and token.
    colour: existing?.colour,
    label: existing?.label,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  deps.redactor.add(cluster.masterToken);
  writeProfiles(deps, existing ? list.map((p) => (p.id === record.id ? record : p)) : [record, ...list]);
  // The host owns this token (its emulator runs in this process): it keeps it here, outside the vault's
  // memory layer, so that a lock drops it from the vault like any session token and unlock provisions it again.
  const provision = async () => {
    await deps.vault.set(EMBEDDED_PROFILE_ID, cluster.masterToken, 'session');
    const now = readProfiles(deps);
    writeProfiles(
      deps,
      now.map((p) => (p.id === EMBEDDED_PROFILE_ID ? { ...p, tokenOrigin: originOf(cluster.url) } : p)),
    );
  };
  await provision();
  deps.onUnlock = provision;
  if (!activeProfileId(deps) || list.length === 0) setActiveProfile(deps, EMBEDDED_PROFILE_ID);
  deps.embedded = { url: cluster.url, profileId: EMBEDDED_PROFILE_ID };
}

import { homedir, platform, userInfo } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '../util/redact';
import { Flows } from './flows';
import type { HostDeps, HostInfo, TokenVault } from './deps';
import { WebtaskClient } from '../webtask/client';
import { readProfiles, setActiveProfile, writeProfiles, activeProfileId } from './profiles-store';
import { JsonFileSettings, JsonlAuditLog, SessionVault } from './stores';

export const APP_NAME = 'Extend Support Console';
export const APP_VERSION = '0.1.0';

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
  return {
    info: { name: APP_NAME, version: APP_VERSION, host: opts.host, platform: platform(), user: currentUser() },
    vault: opts.vault ?? new SessionVault(),
    settings: new JsonFileSettings(join(opts.dataDir, 'settings.json')),
    audit: new JsonlAuditLog(join(opts.dataDir, 'audit.jsonl')),
    redactor: new Redactor(),
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
export async function registerEmbeddedCluster(deps: HostDeps, cluster: { url: string; masterToken: string; container: string }): Promise<void> {
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
  writeProfiles(deps, existing ? list.map((p) => (p.id === record.id ? record : p)) : [record, ...list]);
  await deps.vault.set(EMBEDDED_PROFILE_ID, cluster.masterToken, 'session');
  deps.redactor.add(cluster.masterToken);
  if (!activeProfileId(deps) || list.length === 0) setActiveProfile(deps, EMBEDDED_PROFILE_ID);
  deps.embedded = { url: cluster.url, profileId: EMBEDDED_PROFILE_ID };
}

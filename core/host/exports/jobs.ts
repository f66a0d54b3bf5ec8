// A tenant's export jobs: the extensions whose meta names a log-export extension, their decrypted
// configuration (kept in the core; only described to the renderer), cron job and checkpoints.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KNOWN_EXPORT_EXTENSIONS, RunItem, type ExportJob } from '../../../common/contract';
import { FileCheckpointStore } from '../../export/checkpoint';
import { secretValues, settingWarnings } from '../../export/config';
import { HostError } from '../../util/errors';
import { getWebtask, inspectToken, listPage, stringRecord, type WireWebtask } from '../../webtask/api';
import { type WebtaskClient } from '../../webtask/client';
import { readWebtaskData, type WireCronJob } from '../../webtask/cron';
import type { HostDeps } from '../deps';
import type { ProfileRecord } from '../profiles-store';
import { describeDestination } from './destination';
import { describeSchedule } from './schedule';
import { isLogId } from '../../../common/checkpoint';

const SETTINGS_KEY = 'exports.settings';
export const readExportSettings = (deps: HostDeps): { extraNames: string[] } =>
  deps.settings.get(SETTINGS_KEY, { extraNames: [] as string[] });
export const writeExportSettings = (deps: HostDeps, s: { extraNames: string[] }) => deps.settings.set(SETTINGS_KEY, s);

/** The extension names treated as log exports: the three known ones and any configured. */
export function exportNames(deps: HostDeps): string[] {
  return [...new Set([...KNOWN_EXPORT_EXTENSIONS, ...readExportSettings(deps).extraNames])];
}

const CREDENTIAL_KEY = /SECRET|PASSWORD|TOKEN|WEBHOOK|API_?KEY|ACCESS_KEY|WORKSPACEKEY|PRIVATE/i;

/** The values of the settings that are credentials: the engine's list plus anything named like one. */
export function credentialValues(secrets: Record<string, string>): string[] {
  return [
    ...new Set([
      ...secretValues(secrets),
      ...Object.entries(secrets)
        .filter(([k]) => CREDENTIAL_KEY.test(k))
        .map(([, v]) => v),
    ]),
  ];
}

export interface ExtensionConfig {
  name: string;
  container: string;
  tokenKind: 'v1' | 'v2';
  meta: Record<string, string>;
  secrets: Record<string, string>;
  code?: string;
  /** Extensions that run from a URL instead of inline code. */
  url?: string;
  host?: string;
}

/** Reads an extension with its secrets decrypted and its code (v2: decrypt&fetch_code; v1: tokens/inspect). */
export async function readExtension(
  deps: HostDeps,
  client: WebtaskClient,
  profile: ProfileRecord,
  container: string,
  name: string,
): Promise<ExtensionConfig> {
  const v2 = profile.tokenKind !== 'v1';
  const got = await getWebtask(client, container, name, v2 ? { decrypt: true, fetchCode: true } : {});
  const token = typeof got.record.token === 'string' ? got.record.token : undefined;
  if (token) deps.redactor.add(token);
  let src: Record<string, unknown> = got.record;
  let secrets: Record<string, string>;
  if (v2) {
    secrets = stringRecord(got.record.secrets) ?? {};
  } else {
    if (!token) throw new HostError('bad_response', `The cluster listed "${name}" without a token, so its configuration cannot be read.`);
    src = (await inspectToken(client, token, { decrypt: true, fetchCode: true })).record;
    secrets = stringRecord(src.ectx) ?? {};
  }
  // Credentials among the settings never leave the core (plain settings such as a log group name are shown).
  for (const v of credentialValues(secrets)) deps.redactor.add(v);
  const meta = stringRecord(src.meta) ?? stringRecord(got.record.meta) ?? {};
  return {
    name,
    container,
    tokenKind: v2 ? 'v2' : 'v1',
    meta,
    secrets,
    ...(typeof src.code === 'string' ? { code: src.code } : {}),
    ...(typeof src.url === 'string' ? { url: src.url } : {}),
    ...(typeof src.host === 'string' ? { host: src.host } : {}),
  };
}

/** Export extensions of a container: one meta query per known name (the protocol filters by meta, AND). */
export async function listExportExtensions(client: WebtaskClient, container: string, names: string[]): Promise<WireWebtask[]> {
  const found = new Map<string, WireWebtask>();
  await Promise.all(
    names.map(async (n) => {
      for (let page = 0; page < 10; page++) {
        const items = await listPage(client, container, { offset: page * 100, limit: 100, meta: [`auth0-extension-name:${n}`] });
        for (const w of items) found.set(w.name, w);
        if (items.length < 100) break;
      }
    }),
  );
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A path segment from a validated name, never "." or "..". */
const seg = (s: string) => encodeURIComponent(s).replace(/\./g, '%2E');

/** The console's own checkpoint of a job (local replays), per profile, tenant and job. */
export function localCheckpointStore(deps: HostDeps, profileId: string, container: string, name: string): FileCheckpointStore {
  return new FileCheckpointStore(jobDir(deps, profileId, container, name));
}

const jobDir = (deps: HostDeps, profileId: string, container: string, name: string) =>
  join(deps.dataDir, 'exports', seg(profileId), seg(container), seg(name));

/**
 * Runs started from this console (run now, replays). `/api/run` leaves no trace in the cron history,
 * so the console keeps its own (last 100 per job) and shows them beside the cluster's.
 */
export async function readConsoleRuns(deps: HostDeps, profileId: string, container: string, name: string): Promise<RunItem[]> {
  try {
    const raw = JSON.parse(await readFile(join(jobDir(deps, profileId, container, name), 'runs.json'), 'utf8')) as unknown;
    const parsed = RunItem.array().safeParse(raw);
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

const writing = new Map<string, Promise<void>>();

export async function recordConsoleRun(deps: HostDeps, profileId: string, container: string, name: string, item: RunItem): Promise<void> {
  const dir = jobDir(deps, profileId, container, name);
  // One writer per job at a time, so two runs ending together do not drop each other.
  const prev = writing.get(dir) ?? Promise.resolve();
  const next = prev.then(async () => {
    const runs = [item, ...(await readConsoleRuns(deps, profileId, container, name))].slice(0, 100);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `runs.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(deps.redactor.deep(runs, 'strict')));
    await rename(tmp, join(dir, 'runs.json'));
  });
  writing.set(
    dir,
    next.catch(() => undefined),
  );
  await next;
}

export async function loadLocalCheckpoint(deps: HostDeps, profileId: string, container: string, name: string): Promise<string | null> {
  try {
    return await localCheckpointStore(deps, profileId, container, name).load();
  } catch {
    return null;
  }
}

export async function remoteCheckpoint(client: WebtaskClient, container: string, name: string): Promise<string | null> {
  try {
    const data = await readWebtaskData(client, container, name);
    const id = data && typeof data === 'object' ? (data as { checkpointId?: unknown }).checkpointId : undefined;
    return isLogId(id) ? id : null;
  } catch {
    return null;
  }
}

export function cronSummary(job: WireCronJob): ExportJob['cron'] {
  let schedule;
  try {
    schedule = describeSchedule(job.schedule, job.tz, 3);
  } catch (e) {
    schedule = { schedule: job.schedule, tz: job.tz, description: `not understood: ${(e as Error).message}`, next: [] };
  }
  const last = job.results?.[0];
  return {
    state: job.state,
    schedule,
    nextRunAt: job.state === 'active' ? job.next_available_at : null,
    lastResult: last ? { type: last.type, at: last.completed_at ?? null, statusCode: last.statusCode ?? null } : null,
    runCount: job.run_count,
    errorCount: job.error_count,
    createdAt: job.created_at,
  };
}

export async function buildJob(
  deps: HostDeps,
  client: WebtaskClient,
  profile: ProfileRecord,
  container: string,
  w: { name: string; meta?: Record<string, string> },
  cron: WireCronJob | null,
): Promise<ExportJob> {
  let problem: string | undefined;
  let cfg: ExtensionConfig | undefined;
  try {
    cfg = await readExtension(deps, client, profile, container, w.name);
  } catch (e) {
    problem = `Its configuration could not be read: ${(e as Error).message}`;
  }
  if (cron?.token) deps.redactor.add(cron.token);
  const meta = cfg?.meta ?? w.meta ?? {};
  const [remote, local] = await Promise.all([
    remoteCheckpoint(client, container, w.name),
    loadLocalCheckpoint(deps, profile.id, container, w.name),
  ]);
  const startFrom = cfg?.secrets.START_FROM?.trim() || null;
  return {
    container,
    name: w.name,
    extension: meta['auth0-extension-name'] ?? w.name,
    ...(meta['auth0-extension-version'] ? { version: meta['auth0-extension-version'] } : {}),
    destination: cfg ? describeDestination(cfg.secrets) : { kind: 'unknown', label: 'unknown (configuration not readable)' },
    cron: cron ? cronSummary(cron) : null,
    startFrom,
    remoteCheckpoint: remote,
    localCheckpoint: local,
    ...(problem ? { problem } : {}),
    // The same words the engine puts in a run's report, shown next to the job before any run.
    ...(cfg ? { warnings: settingWarnings(cfg.secrets) } : {}),
  };
}

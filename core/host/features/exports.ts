// Handlers of the channels in common/contract/exports.ts: a tenant's export jobs, their history,
// state and schedule, run now, and replay from a checkpoint (remotely or with the local engine).
import { FROM_OLDEST, type ExportJob, type ParsedInput, type RemoteRun, type RunItem } from '../../../common/contract';
import { HostError } from '../../util/errors';
import type { WebtaskClient } from '../../webtask/client';
import { cronHistory, getCronJob, listCronJobs, putCronJob, runCronJobNow, setCronState, type WireCronJob } from '../../webtask/cron';
import { audit } from '../audit';
import { awaitCronIdle } from '../bulk-replay/guard';
import type { HostDeps } from '../deps';
import { describeDestination } from '../exports/destination';
import { toRunItem } from '../exports/history';
import {
  buildJob,
  exportNames,
  listExportExtensions,
  loadLocalCheckpoint,
  readConsoleRuns,
  readExportSettings,
  readExtension,
  recordConsoleRun,
  remoteCheckpoint,
  writeExportSettings,
  type ExtensionConfig,
} from '../exports/jobs';
import { cancelLocalRun, listLocalRuns, startLocalRun } from '../exports/local';
import { describeSchedule } from '../exports/schedule';
import type { ProfileRecord } from '../profiles-store';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';

/** Export runs take longer than a REST call: the run-now client waits up to this long. */
const RUN_TIMEOUT_MS = 120_000;

async function runClient(deps: HostDeps, profile: ProfileRecord): Promise<WebtaskClient> {
  return (await clientFor(deps, profile.id, { timeoutMs: Math.max(deps.requestTimeoutMs ?? 0, RUN_TIMEOUT_MS) })).client;
}

async function cronOrNull(client: WebtaskClient, container: string, name: string): Promise<WireCronJob | null> {
  try {
    return await getCronJob(client, container, name);
  } catch (e) {
    if (e instanceof HostError && e.code === 'not_found') return null;
    throw e;
  }
}

/** The job, checked to be a log export: these channels never act on other extensions. */
async function loadJob(ctx: CallContext, input: { profileId?: string; container: string; name: string }) {
  const { profile, client } = await clientFor(ctx.deps, input.profileId);
  const cfg = await readExtension(ctx.deps, client, profile, input.container, input.name);
  const names = exportNames(ctx.deps);
  const ext = cfg.meta['auth0-extension-name'];
  if (!ext || !names.includes(ext)) {
    throw new HostError(
      'not_found',
      `"${input.name}" on ${input.container} is not a log-export extension (its meta names ${ext ? `"${ext}"` : 'no extension'}; known: ${names.join(', ')}). Add its name in the export settings if it is one.`,
    );
  }
  return { profile, client, cfg };
}

function requireConfirmation(cfg: ExtensionConfig, container: string, confirm: { tenant: string; destination: string }) {
  const destination = describeDestination(cfg.secrets);
  if (confirm.tenant !== container || confirm.destination !== destination.label) {
    throw new HostError(
      'needs_confirmation',
      `This replay writes to ${destination.label} for tenant ${container}: confirm that tenant and that destination to go on.`,
      { tenant: container, destination: destination.label },
    );
  }
  return destination;
}

async function runRemote(
  deps: HostDeps,
  profile: ProfileRecord,
  client: WebtaskClient,
  container: string,
  name: string,
): Promise<RemoteRun> {
  const job = await cronOrNull(client, container, name);
  if (job?.token) deps.redactor.add(job.token);
  // The same body a scheduled run posts: the job record (a minimal one when the extension has no job).
  const body = job ?? { name, container, schedule: '', state: 'active' };
  const long = await runClient(deps, profile);
  const res = await runCronJobNow(long, container, name, body);
  const text = res.body.toString('utf8');
  const ok = res.status >= 200 && res.status < 300;
  const item = toRunItem(
    {
      scheduled_at: null,
      started_at: new Date(Date.now() - res.elapsedMs).toISOString(),
      completed_at: new Date().toISOString(),
      type: ok ? 'success' : 'error',
      statusCode: res.status,
      body: text,
      duration_ms: Math.round(res.elapsedMs),
    },
    'console',
  );
  if (item.type === 'error' && !item.failedCheckpoint) {
    // The runtime's error body keeps only the message; the job's stored checkpoint is where it stopped.
    const stored = await remoteCheckpoint(client, container, name);
    if (stored) {
      item.failedCheckpoint = stored;
      item.checkpoint = stored;
      item.checkpointNote = "read from the job's storage right after the run";
    }
  }
  await recordConsoleRun(deps, profile.id, container, name, item).catch(() => undefined);
  return {
    ok: item.type === 'success',
    statusCode: res.status,
    durationMs: Math.round(res.elapsedMs),
    item,
    ...(item.report ? {} : { body: text.slice(0, 4000) }),
  };
}

async function freshJob(
  ctx: CallContext,
  profile: ProfileRecord,
  client: WebtaskClient,
  container: string,
  cfg: ExtensionConfig,
): Promise<ExportJob> {
  return buildJob(ctx.deps, client, profile, container, { name: cfg.name, meta: cfg.meta }, await cronOrNull(client, container, cfg.name));
}

/** Writes the extension back exactly as read (code or url, meta, host, every other secret) with START_FROM set, or unset for null. */
export async function putWithStartFrom(
  client: WebtaskClient,
  container: string,
  name: string,
  cfg: ExtensionConfig,
  startFrom: string | null | undefined,
): Promise<void> {
  const { START_FROM: _old, ...rest } = cfg.secrets;
  // null or undefined: no START_FROM at all; a string (even empty) is put as it is, so a restore gives back what was there.
  await client.json('PUT', `/api/webtask/${encodeURIComponent(container)}/${encodeURIComponent(name)}`, {
    body: {
      ...(cfg.code !== undefined ? { code: cfg.code } : { url: cfg.url }),
      secrets: startFrom === null || startFrom === undefined ? rest : { ...rest, START_FROM: startFrom },
      meta: cfg.meta,
      ...(cfg.host ? { host: cfg.host } : {}),
    },
  });
}

const scope = (profile: ProfileRecord, container: string, name: string) => ({ profile: profile.id, tenant: container, target: name });

export const exportsHandlers = defineHandlers({
  'exports.jobs': async (input, ctx) => {
    const { profile, client } = await clientFor(ctx.deps, input.profileId);
    const names = exportNames(ctx.deps);
    const [exts, jobs] = await Promise.all([listExportExtensions(client, input.container, names), listCronJobs(client, input.container)]);
    const byName = new Map(jobs.map((j) => [j.name, j]));
    const out = await Promise.all(exts.map((w) => buildJob(ctx.deps, client, profile, input.container, w, byName.get(w.name) ?? null)));
    return { container: input.container, jobs: out, names };
  },

  'exports.job': async (input, ctx) => {
    const { profile, client, cfg } = await loadJob(ctx, input);
    return freshJob(ctx, profile, client, input.container, cfg);
  },

  'exports.history': async (input, ctx) => {
    const { profile, client } = await clientFor(ctx.deps, input.profileId);
    const job = await cronOrNull(client, input.container, input.name);
    const [items, mine] = await Promise.all([
      job ? cronHistory(client, input.container, input.name, { limit: 100 }) : Promise.resolve([]),
      readConsoleRuns(ctx.deps, profile.id, input.container, input.name),
    ]);
    const at = (r: RunItem) => r.startedAt ?? r.scheduledAt ?? r.completedAt ?? '';
    const runs = [...items.slice(0, 100).map((h) => toRunItem(h)), ...mine]
      .sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0))
      .slice(0, 100);
    const newestFailed = runs.find((r) => r.type === 'error' && r.source === 'cron');
    if (newestFailed && !newestFailed.failedCheckpoint && runs.find((r) => r.source === 'cron') === newestFailed) {
      // Its answer lost the checkpoint, and no run came after it: the job's stored checkpoint is where it stopped.
      const stored = await remoteCheckpoint(client, input.container, input.name);
      if (stored) {
        newestFailed.failedCheckpoint = stored;
        newestFailed.checkpointNote = "the job's stored checkpoint (no run since)";
      }
    }
    return { runs: input.failuresOnly ? runs.filter((r) => r.type === 'error') : runs, total: runs.length };
  },

  'exports.setState': async (input, ctx) => {
    const { profile, client, cfg } = await loadJob(ctx, input);
    try {
      await setCronState(client, input.container, input.name, input.state);
    } catch (e) {
      await audit(ctx, {
        action: 'exports.setState',
        ...scope(profile, input.container, input.name),
        outcome: 'error',
        detail: { state: input.state, error: (e as Error).message },
      });
      throw e;
    }
    await audit(ctx, {
      action: 'exports.setState',
      ...scope(profile, input.container, input.name),
      outcome: 'ok',
      detail: { state: input.state },
    });
    return freshJob(ctx, profile, client, input.container, cfg);
  },

  'exports.previewSchedule': async (input) => describeSchedule(input.schedule, input.tz, input.count),

  'exports.reschedule': async (input, ctx) => {
    const view = describeSchedule(input.schedule, input.tz, 5);
    const { profile, client, cfg } = await loadJob(ctx, input);
    const job = await cronOrNull(client, input.container, input.name);
    if (!job) throw new HostError('not_found', `${input.name} on ${input.container} has no cron job to reschedule.`);
    if (job.token) ctx.deps.redactor.add(job.token);
    const before = { schedule: job.schedule, tz: job.tz };
    try {
      // As `wt cron reschedule`: the same token, state and meta, only the schedule changes.
      await putCronJob(client, input.container, input.name, {
        schedule: view.schedule,
        tz: view.tz,
        token: job.token,
        state: job.state,
        meta: job.meta,
      });
    } catch (e) {
      await audit(ctx, {
        action: 'exports.reschedule',
        ...scope(profile, input.container, input.name),
        outcome: 'error',
        detail: { before, schedule: view.schedule, tz: view.tz, error: (e as Error).message },
      });
      throw e;
    }
    await audit(ctx, {
      action: 'exports.reschedule',
      ...scope(profile, input.container, input.name),
      outcome: 'ok',
      detail: { before, schedule: view.schedule, tz: view.tz },
    });
    return freshJob(ctx, profile, client, input.container, cfg);
  },

  'exports.runNow': async (input, ctx) => {
    const { profile, client } = await loadJob(ctx, input);
    let run: RemoteRun;
    try {
      run = await runRemote(ctx.deps, profile, client, input.container, input.name);
    } catch (e) {
      await audit(ctx, {
        action: 'exports.runNow',
        ...scope(profile, input.container, input.name),
        outcome: 'error',
        detail: { error: (e as Error).message },
      });
      throw e;
    }
    await audit(ctx, {
      action: 'exports.runNow',
      ...scope(profile, input.container, input.name),
      outcome: run.ok ? 'ok' : 'error',
      detail: {
        statusCode: run.statusCode,
        processed: run.item.processed,
        checkpoint: run.item.checkpoint,
        failedCheckpoint: run.item.failedCheckpoint,
        ...(run.item.error ? { error: run.item.error } : {}),
      },
    });
    return run;
  },

  'exports.replayRemote': async (input, ctx) => {
    const { profile, client, cfg } = await loadJob(ctx, input);
    const destination = requireConfirmation(cfg, input.container, input.confirm);
    if (cfg.code === undefined && cfg.url === undefined)
      throw new HostError(
        'bad_response',
        `The cluster did not return the code of ${input.name}, so it cannot be saved back unchanged: nothing was changed.`,
      );
    const previous = cfg.secrets.START_FROM?.trim() || null;
    const oldest = input.checkpoint === FROM_OLDEST;
    if (oldest) {
      // The extension reads from its stored checkpoint when START_FROM is empty, and from the oldest log only when it has none.
      const stored = await remoteCheckpoint(client, input.container, input.name);
      if (stored) {
        throw new HostError(
          'invalid_input',
          `${input.name} has a stored checkpoint (${stored}), so a run on the cluster continues from there, not from the oldest log: replay from the oldest log locally, or from a checkpoint.`,
        );
      }
    }
    const startFrom = oldest ? null : input.checkpoint;
    const detail = { checkpoint: input.checkpoint, previousStartFrom: previous, destination: destination.label };
    try {
      await putWithStartFrom(client, input.container, input.name, cfg, startFrom);
    } catch (e) {
      await audit(ctx, {
        action: 'exports.replayRemote',
        ...scope(profile, input.container, input.name),
        outcome: 'error',
        detail: { ...detail, step: 'set START_FROM', error: (e as Error).message },
      });
      throw e;
    }
    let run: RemoteRun;
    let restoreProblem: string | undefined;
    try {
      run = await runRemote(ctx.deps, profile, client, input.container, input.name);
    } catch (e) {
      await audit(ctx, {
        action: 'exports.replayRemote',
        ...scope(profile, input.container, input.name),
        outcome: 'error',
        detail: { ...detail, step: 'run', error: (e as Error).message },
      });
      throw e;
    } finally {
      // The replay's START_FROM must not outlive it: the next scheduled run would replay again.
      if ((startFrom ?? undefined) !== cfg.secrets.START_FROM) {
        // The secret exactly as it was (an empty START_FROM stays, empty), not its trimmed reading.
        restoreProblem = await putWithStartFrom(client, input.container, input.name, cfg, cfg.secrets.START_FROM).then(
          () => undefined,
          (e: unknown) =>
            `START_FROM could not be put back to ${previous ?? '(empty)'}: ${(e as Error).message}. Clear it in the extension's secrets.`,
        );
      }
    }
    await audit(ctx, {
      action: 'exports.replayRemote',
      ...scope(profile, input.container, input.name),
      outcome: run.ok ? 'ok' : 'error',
      detail: {
        ...detail,
        statusCode: run.statusCode,
        processed: run.item.processed,
        nextCheckpoint: run.item.checkpoint,
        startFromAfter: restoreProblem ? startFrom : previous,
        ...(run.item.error ? { error: run.item.error } : {}),
        ...(restoreProblem ? { restoreProblem } : {}),
      },
    });
    return {
      ...run,
      startFrom: input.checkpoint,
      startFromAfter: restoreProblem ? startFrom : previous,
      ...(restoreProblem ? { restoreProblem } : {}),
    };
  },

  'exports.replayLocal': async (input, ctx) => {
    const { profile, client, cfg } = await loadJob(ctx, input);
    const destination = requireConfirmation(cfg, input.container, input.confirm);
    await awaitCronIdle(client, input.container, input.name);
    let from: string | null;
    if (input.from === FROM_OLDEST) {
      from = null;
    } else if (input.from === 'local') {
      from = await loadLocalCheckpoint(ctx.deps, profile.id, input.container, input.name);
      if (!from)
        throw new HostError(
          'invalid_input',
          `There is no local checkpoint for ${input.name} on ${input.container} yet: pick a checkpoint to replay from.`,
        );
    } else {
      from = input.from;
    }
    const detail = { from, destination: destination.label, notify: input.notify };
    let run;
    try {
      run = startLocalRun(ctx, {
        profileId: profile.id,
        container: input.container,
        name: input.name,
        destination,
        secrets: cfg.secrets,
        from,
        notify: input.notify,
      });
    } catch (e) {
      await audit(ctx, {
        action: 'exports.replayLocal',
        ...scope(profile, input.container, input.name),
        outcome: 'error',
        detail: { ...detail, error: (e as Error).message },
      });
      throw e;
    }
    await audit(ctx, {
      action: 'exports.replayLocal',
      ...scope(profile, input.container, input.name),
      outcome: 'ok',
      detail: { ...detail, runId: run.runId },
    });
    return run;
  },

  'exports.cancel': async (input, ctx) => {
    const run = cancelLocalRun(ctx.deps, input.runId);
    await audit(ctx, {
      action: 'exports.cancel',
      profile: run.profileId,
      tenant: run.container,
      target: run.name,
      outcome: 'ok',
      detail: { runId: run.runId, checkpoint: run.progress?.checkpoint ?? run.from },
    });
    return run;
  },

  'exports.localRuns': async (input: ParsedInput<'exports.localRuns'>, ctx) => ({ runs: listLocalRuns(ctx.deps, input.container) }),

  'exports.settings': async (_input, ctx) => readExportSettings(ctx.deps),

  'exports.saveSettings': async (input, ctx) => {
    const extraNames = [...new Set(input.extraNames)];
    writeExportSettings(ctx.deps, { extraNames });
    await audit(ctx, { action: 'exports.saveSettings', outcome: 'ok', detail: { extraNames } });
    return { extraNames };
  },
});

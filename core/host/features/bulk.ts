// Handlers of common/contract/bulk.ts: plan, start, watch, pause/resume/cancel (whole or one tenant),
// retry one tenant, report. The runner and journal are in core/host/bulk-replay/.
import type { BulkMode, BulkPlan, BulkPlanItem, BulkTarget, RunItem } from '../../../common/contract';
import { HostError } from '../../util/errors';
import type { WebtaskClient } from '../../webtask/client';
import { getCronJob } from '../../webtask/cron';
import { audit } from '../audit';
import { estimateLogs } from '../bulk-replay/estimate';
import { OURS } from '../bulk-replay/remote';
import { bulkReport, registryOf } from '../bulk-replay/runner';
import { inChunks, selectTenants } from '../bulk-replay/select';
import { describeDestination } from '../exports/destination';
import { exportNames, readExtension, remoteCheckpoint, type ExtensionConfig } from '../exports/jobs';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';
import { exportsHandlers } from './exports';

const SETTINGS_KEY = 'bulk';
const readSettings = (ctx: CallContext) => ctx.deps.settings.get(SETTINGS_KEY, { concurrency: 4 });

/** How a remote run of this job is made to start at `from`, or what the user must do first. */
async function remotePlan(
  client: WebtaskClient,
  cfg: ExtensionConfig,
  from: string,
): Promise<{ remote: NonNullable<BulkPlanItem['remote']>; problem?: string }> {
  const where = `${cfg.name} on ${cfg.container}`;
  if (cfg.code === undefined && cfg.url === undefined) {
    const note = `The cluster did not return the code of ${where}, so its START_FROM cannot be saved back unchanged: replay it locally.`;
    return { remote: { method: 'manual', note }, problem: note };
  }
  const stored = await remoteCheckpoint(client, cfg.container, cfg.name);
  if (cfg.code !== undefined && OURS.test(cfg.code))
    return {
      remote: {
        method: 'reset-storage',
        note: `The console's export extension: its stored checkpoint (${stored ?? 'none'}) is set to ${from} and START_FROM to the same for the run (then put back).`,
      },
    };
  if (!stored)
    return {
      remote: { method: 'start-from', note: `Its storage holds no checkpoint, so START_FROM=${from} is read; put back after the run.` },
    };
  // The original extensions read START_FROM only while their storage holds no checkpoint.
  const note =
    `${where} is not the console's extension: it reads START_FROM only while its storage holds no checkpoint, and it holds ${stored}. ` +
    `Before a remote replay, set its storage to {"checkpointId":"${from}"} (PUT /api/webtask/${cfg.container}/${cfg.name}/data with ` +
    `{"data":"{\\"checkpointId\\":\\"${from}\\"}"}, the webtask storage API) or clear it, then plan again; or replay it locally.`;
  return { remote: { method: 'manual', note }, problem: note };
}

/** The checkpoint of the job's last successful run that ended before `before` (its history, newest first). */
async function lastGoodBefore(ctx: CallContext, profileId: string | undefined, t: BulkTarget, before: string) {
  const hist = await exportsHandlers['exports.history']({ profileId, container: t.container, name: t.name, failuresOnly: false }, ctx);
  const limit = Date.parse(before);
  const ended = (r: RunItem) => r.completedAt ?? r.startedAt ?? r.scheduledAt;
  return hist.runs.find((r) => {
    const at = ended(r);
    return r.type === 'success' && r.checkpoint && at && Date.parse(at) < limit;
  });
}

/** One tenant of a plan: its destination, and the checkpoint to replay from (given, before a time, or its newest failure's). */
async function planItem(ctx: CallContext, profileId: string | undefined, t: BulkTarget, mode: BulkMode): Promise<BulkPlanItem> {
  const base = { container: t.container, name: t.name, estimate: null, cronActive: false };
  try {
    const { profile, client } = await clientFor(ctx.deps, profileId);
    const cfg = await readExtension(ctx.deps, client, profile, t.container, t.name);
    const ext = cfg.meta['auth0-extension-name'];
    const destination = describeDestination(cfg.secrets);
    if (!ext || !exportNames(ctx.deps).includes(ext)) {
      return {
        ...base,
        destination,
        from: null,
        fromSource: 'none',
        problem: `"${t.name}" on ${t.container} is not a log-export extension.`,
      };
    }
    const cron = await getCronJob(client, t.container, t.name).catch(() => null);
    const cronActive = cron?.state === 'active';
    const none = (problem: string): BulkPlanItem => ({ ...base, cronActive, destination, from: null, fromSource: 'none', problem });
    if (destination.kind === 'unknown') return none(`Its destination cannot be told: ${destination.label}.`);
    let from: string;
    let fromSource: string;
    if (t.from) {
      from = t.from;
      fromSource = 'given';
    } else if (t.fromBefore) {
      const good = await lastGoodBefore(ctx, profileId, t, t.fromBefore);
      if (!good?.checkpoint) return none(`No successful run with a checkpoint ended before ${t.fromBefore}: give a log id to replay from.`);
      from = good.checkpoint;
      fromSource = `last good ${good.source} run before ${t.fromBefore} (ended ${good.completedAt ?? good.startedAt ?? '?'})`;
    } else {
      // The same history (and stored-checkpoint fallback) the single replay view shows.
      const hist = await exportsHandlers['exports.history']({ profileId, container: t.container, name: t.name, failuresOnly: true }, ctx);
      const failed = hist.runs.find((r) => r.failedCheckpoint);
      if (!failed?.failedCheckpoint) return none('No failed run with a checkpoint: give a log id or a time to replay from.');
      const at = failed.startedAt ?? failed.completedAt ?? failed.scheduledAt;
      from = failed.failedCheckpoint;
      fromSource = `failed ${failed.source} run${at ? ` at ${at}` : ''}${failed.checkpointNote ? ` (${failed.checkpointNote})` : ''}`;
    }
    const [est, remote] = await Promise.all([
      estimateLogs(cfg.secrets, from),
      mode === 'remote' ? remotePlan(client, cfg, from) : Promise.resolve(null),
    ]);
    return {
      ...base,
      cronActive,
      destination,
      from,
      fromSource,
      estimate: est.logs,
      estimateNote: ctx.deps.redactor.strict(est.note),
      ...(remote ?? {}),
    };
  } catch (e) {
    return { ...base, destination: { kind: 'unknown', label: 'unknown' }, from: null, fromSource: 'none', problem: (e as Error).message };
  }
}

async function plan(ctx: CallContext, profileId: string | undefined, tenants: BulkTarget[], mode: BulkMode = 'local'): Promise<BulkPlan> {
  const seen = new Set<string>();
  for (const t of tenants) {
    const k = `${t.container}/${t.name}`;
    if (seen.has(k))
      throw new HostError('invalid_input', `${t.name} on ${t.container} is listed twice: each job is replayed once per bulk replay.`);
    seen.add(k);
  }
  const items = await inChunks(tenants, (t) => planItem(ctx, profileId, t, mode));
  const ok = items.filter((i) => !i.problem);
  return {
    items,
    tenants: ok.length,
    destinations: [...new Set(ok.map((i) => i.destination.label))],
    estimateTotal: ok.reduce((n, i) => n + (i.estimate ?? 0), 0),
    unestimated: ok.filter((i) => i.estimate === null).length,
  };
}

export const bulkHandlers = defineHandlers({
  'bulk.preview': async (input, ctx) => plan(ctx, input.profileId, input.tenants, input.mode),

  'bulk.select': async (input, ctx) => selectTenants(ctx, input),

  'bulk.start': async (input, ctx) => {
    const reg = registryOf(ctx.deps);
    await reg.load(ctx);
    reg.watch(ctx.session);
    const mode = input.mode ?? 'local';
    const p = await plan(ctx, input.profileId, input.tenants, mode);
    if (p.tenants === 0)
      throw new HostError(
        'invalid_input',
        `None of the ${p.items.length} selected jobs can be replayed: ${p.items
          .map((i) => `${i.container}/${i.name}: ${i.problem}`)
          .join('; ')
          .slice(0, 800)}`,
      );
    if (input.confirm.tenants !== p.tenants || input.confirm.destinations !== p.destinations.length) {
      throw new HostError(
        'needs_confirmation',
        `This bulk replay writes to ${p.destinations.length} destination(s) for ${p.tenants} tenant job(s): confirm those counts to go on.`,
        { tenants: p.tenants, destinations: p.destinations },
      );
    }
    const { profile } = await clientFor(ctx.deps, input.profileId);
    const concurrency = input.concurrency ?? readSettings(ctx).concurrency;
    const run = reg.create(
      ctx,
      profile.id,
      concurrency,
      p.items.filter((i) => !i.problem),
      { mode, notify: input.notify ?? true },
    );
    await audit(ctx, {
      action: 'bulk.plan',
      profile: profile.id,
      outcome: 'ok',
      detail: {
        bulkId: run.j.bulkId,
        mode,
        concurrency,
        tenants: run.j.tenants.map((t) => ({ tenant: t.container, job: t.name, from: t.from, destination: t.destination.label })),
        skipped: p.items.filter((i) => i.problem).map((i) => ({ tenant: i.container, job: i.name, problem: i.problem })),
      },
    });
    await run.persist();
    run.pump(ctx);
    return run.view();
  },

  'bulk.get': async (input, ctx) => {
    const reg = registryOf(ctx.deps);
    await reg.load(ctx);
    reg.watch(ctx.session);
    return reg.get(input.bulkId).view();
  },

  'bulk.list': async (_input, ctx) => {
    const reg = registryOf(ctx.deps);
    await reg.load(ctx);
    reg.watch(ctx.session);
    return { bulks: [...reg.bulks.values()].map((b) => b.view()).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)) };
  },

  'bulk.pause': async (input, ctx) => control(ctx, input, 'pause'),
  'bulk.cancel': async (input, ctx) => control(ctx, input, 'cancel'),
  'bulk.resume': async (input, ctx) => control(ctx, input, 'resume'),

  'bulk.retry': async (input, ctx) => {
    const reg = registryOf(ctx.deps);
    await reg.load(ctx);
    const run = reg.get(input.bulkId);
    const t = run.find(input.container, input.name);
    if (t.state !== 'failed' && t.state !== 'cancelled')
      throw new HostError(
        'conflict',
        `${input.name} on ${input.container} is ${t.state}: only a failed or cancelled tenant can be retried.`,
      );
    t.state = 'waiting';
    if (run.j.state !== 'running') run.j.state = 'running';
    await audit(ctx, {
      action: 'bulk.retry',
      profile: run.j.profileId,
      tenant: t.container,
      target: t.name,
      outcome: 'ok',
      detail: { bulkId: run.j.bulkId, from: t.checkpoint ?? t.from },
    });
    await run.persist();
    run.pump(ctx);
    return run.view();
  },

  'bulk.report': async (input, ctx) => {
    const reg = registryOf(ctx.deps);
    await reg.load(ctx);
    return bulkReport(reg.get(input.bulkId).view(), input.format);
  },

  'bulk.settings': async (_input, ctx) => readSettings(ctx),
  'bulk.saveSettings': async (input, ctx) => {
    ctx.deps.settings.set(SETTINGS_KEY, input);
    await audit(ctx, { action: 'bulk.saveSettings', outcome: 'ok', detail: input });
    return input;
  },
});

async function control(
  ctx: CallContext,
  input: { bulkId: string; container?: string; name?: string },
  what: 'pause' | 'cancel' | 'resume',
) {
  const reg = registryOf(ctx.deps);
  await reg.load(ctx);
  reg.watch(ctx.session);
  const run = reg.get(input.bulkId);
  if ((input.container === undefined) !== (input.name === undefined))
    throw new HostError('invalid_input', 'Name both the tenant and the job to act on one tenant, or neither for the whole bulk replay.');
  const one = input.container && input.name ? run.find(input.container, input.name) : null;
  if (what === 'resume') {
    for (const t of one ? [one] : run.j.tenants) {
      if (t.state === 'paused') t.state = 'waiting';
      // A pause asked during a cluster run and not yet taken effect is taken back.
      else if (t.state === 'running' && t.stopping?.to === 'paused') t.stopping = null;
    }
    run.j.state = 'running';
    run.j.note = null;
  } else if (one) run.stopOne(one, what);
  else run.stopAll(what);
  await audit(ctx, {
    action: `bulk.${what}`,
    profile: run.j.profileId,
    ...(one ? { tenant: one.container, target: one.name } : {}),
    outcome: 'ok',
    detail: { bulkId: run.j.bulkId },
  });
  await run.persist();
  if (what === 'resume') run.pump(ctx);
  return run.view();
}

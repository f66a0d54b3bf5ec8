// Local replays: the shared engine run in the core's process with a job's decrypted configuration,
// its progress sent as events to the session that started it, cancellable, checkpoint kept on disk.
import { randomBytes } from 'node:crypto';
import type { LocalRun, RunProgress } from '../../../common/contract';
import { ConfigError, parseExportConfig, runExport } from '../../export';
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import { lockJob } from '../bulk-replay/guard';
import type { HostDeps, Session } from '../deps';
import type { CallContext } from '../types';
import { reportItem } from './history';
import { localCheckpointStore, recordConsoleRun } from './jobs';

interface Entry {
  view: LocalRun;
  ctl: AbortController;
  done: Promise<void>;
}

const registries = new WeakMap<HostDeps, Map<string, Entry>>();
const runsOf = (deps: HostDeps) => {
  let m = registries.get(deps);
  if (!m) registries.set(deps, (m = new Map()));
  return m;
};

const KEEP_FINISHED = 50;

export function listLocalRuns(deps: HostDeps, container?: string): LocalRun[] {
  return [...runsOf(deps).values()]
    .map((e) => e.view)
    .filter((v) => !container || v.container === container)
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}

/** For tests: resolves when the run has ended and its report is recorded. */
export async function localRunDone(deps: HostDeps, runId: string): Promise<LocalRun> {
  const e = runsOf(deps).get(runId);
  if (!e) throw new HostError('not_found', `No local replay ${runId}.`);
  await e.done;
  return e.view;
}

export function cancelLocalRun(deps: HostDeps, runId: string): LocalRun {
  const e = runsOf(deps).get(runId);
  if (!e) throw new HostError('not_found', `No local replay ${runId} in this console (it may have ended before a restart).`);
  e.ctl.abort();
  return e.view;
}

export interface StartLocal {
  profileId: string;
  container: string;
  name: string;
  destination: LocalRun['destination'];
  secrets: Record<string, string>;
  from: string | null;
  notify: boolean;
}

export function startLocalRun(ctx: CallContext, s: StartLocal): LocalRun {
  const { deps, session } = ctx;
  const runs = runsOf(deps);
  // The job's own START_FROM must not win over the checkpoint the engineer picked.
  const { START_FROM: _ignored, ...settings } = s.secrets;
  let config;
  try {
    config = parseExportConfig(settings);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new HostError('invalid_input', `The job's configuration cannot run here. ${e.message}`, { problems: e.problems });
    throw e;
  }
  const runId = `lr-${randomBytes(6).toString('hex')}`;
  // One writer per job: shared with bulk replays (core/host/bulk-replay/guard.ts).
  const release = lockJob(deps, s.profileId, s.container, s.name, runId);
  const ctl = new AbortController();
  const view: LocalRun = {
    runId,
    profileId: s.profileId,
    container: s.container,
    name: s.name,
    destination: s.destination,
    from: s.from,
    notify: s.notify,
    startedAt: new Date().toISOString(),
    state: 'running',
    progress: null,
    report: null,
  };
  const store = localCheckpointStore(deps, s.profileId, s.container, s.name);
  const onProgress = (p: RunProgress) => {
    view.progress = p;
    session.emit('exports.progress', { runId, container: s.container, name: s.name, progress: p });
  };
  const done = (async () => {
    try {
      const report = await runExport({
        config,
        checkpointStore: store,
        from: s.from,
        signal: ctl.signal,
        onProgress,
        notify: s.notify,
        jobName: `${s.name} on ${s.container} (local replay)`,
        progressIntervalMs: 200,
      });
      view.report = report;
      view.state = report.status;
    } catch (e) {
      view.state = 'failed';
      const message = deps.redactor.strict((e as Error)?.message ?? String(e));
      view.report = {
        status: 'failed',
        destination: s.destination.kind,
        dryRun: false,
        startedAt: view.startedAt,
        endedAt: new Date().toISOString(),
        startCheckpoint: s.from,
        processed: 0,
        filtered: 0,
        delivered: 0,
        rejected: 0,
        unknownTypes: {},
        batches: 0,
        retries: 0,
        nextCheckpoint: s.from,
        failedCheckpoint: s.from,
        error: message,
        duplicatesPossible: false,
        durationMs: Date.now() - Date.parse(view.startedAt),
        logsPerSecond: 0,
      };
    }
    release();
    const r = view.report!;
    await recordConsoleRun(deps, s.profileId, s.container, s.name, reportItem(r)).catch(() => undefined);
    await audit(ctx, {
      action: 'exports.replayLocal.end',
      profile: s.profileId,
      tenant: s.container,
      target: s.name,
      outcome: r.status === 'ok' ? 'ok' : 'error',
      detail: {
        runId,
        status: r.status,
        from: s.from,
        processed: r.processed,
        delivered: r.delivered,
        nextCheckpoint: r.nextCheckpoint,
        ...(r.error ? { error: r.error } : {}),
      },
    }).catch(() => undefined);
    session.emit('exports.done', view);
    // Bounded memory: forget the oldest finished runs.
    const finished = [...runs.values()].filter((e) => e.view.state !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) runs.delete(e.view.runId);
  })();
  runs.set(runId, { view, ctl, done });
  // Lock stops every flow that holds a credential (core/host/flows.ts): the replay is cancelled, its checkpoint kept.
  void done.finally(deps.flows.track({ label: `replay ${s.container}/${s.name}`, close: () => ctl.abort() }));
  // A renderer that goes away takes its replays with it (the checkpoint stays consistent).
  session.onClose(() => ctl.abort());
  return view;
}

export type { Session };

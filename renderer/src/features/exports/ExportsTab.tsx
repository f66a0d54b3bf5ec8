import { useEffect, useMemo, useState } from 'react';
import { Checkpoint, KNOWN_EXPORT_EXTENSIONS, type ExportJob, type LocalRun, type RemoteRun, type RunItem, type ScheduleView } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell, type TabSpec } from '../../shell/store';
import { openLogTab } from '../logs';
import { fmtDuration, fmtRelative, fmtShort, fmtTime, n, shortCp } from './format';
import { ProgressView, RemoteRunView, ReportView } from './ReportView';
import { jobKey, tenantKey, useExports } from './store';

export const openExports = (profileId: string, container: string, name?: string) =>
  useShell.getState().openTab({ id: `exports:${profileId}:${container}`, kind: 'exports', title: `Exports · ${container}`, params: { profileId, container, ...(name ? { name } : {}) } });

const EMPTY: ExportJob[] = [];

/** A tenant's log-export jobs: state, schedule, last result; one selected job in detail below. */
export function ExportsTab({ tab }: { tab: TabSpec }) {
  const profileId = String(tab.params?.profileId ?? '');
  const container = String(tab.params?.container ?? '');
  const k = tenantKey(profileId, container);
  const jobs = useExports((s) => s.jobs[k]) ?? EMPTY;
  const loading = useExports((s) => s.loading[k]);
  const error = useExports((s) => s.errors[k]);
  const load = useExports((s) => s.load);
  const paramName = typeof tab.params?.name === 'string' ? tab.params.name : null;
  const [selected, setSelected] = useState<string | null>(paramName);
  // Opened again for another job (e.g. from the Home widget): follow it.
  const [seenParam, setSeenParam] = useState(paramName);
  if (paramName !== seenParam) {
    setSeenParam(paramName);
    setSelected(paramName);
  }

  useEffect(() => {
    void load(profileId, container);
  }, [profileId, container, load]);

  const current = jobs.find((j) => j.name === selected) ?? jobs[0];

  return (
    <div className="page exports-page" data-testid="exports-view" data-tenant={container}>
      <div className="toolbar">
        <h1>Exports · {container}</h1>
        <button onClick={() => void load(profileId, container)} disabled={loading} data-testid="exports-refresh">
          {loading ? 'Loading…' : 'Refresh'}
        </button>
        <button className="link muted small" onClick={() => openLogTab(container, { profileId })}>
          Live logs of {container}
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error.message} <button onClick={() => void load(profileId, container)}>Retry</button>
        </div>
      )}
      {!loading && !error && jobs.length === 0 && (
        <p className="muted" data-testid="exports-none">
          No log-export extension on {container} (looked for extensions whose meta names {KNOWN_EXPORT_EXTENSIONS.join(', ')} or a name added in the export settings).
        </p>
      )}
      {jobs.length > 0 && (
        <table className="grid export-jobs" data-testid="export-jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Destination</th>
              <th>Schedule</th>
              <th>State</th>
              <th>Next run</th>
              <th>Last result</th>
              <th>Runs / errors</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <JobRow key={j.name} profileId={profileId} job={j} selected={current?.name === j.name} onSelect={() => setSelected(j.name)} />
            ))}
          </tbody>
        </table>
      )}
      {current && <JobDetail key={current.name} profileId={profileId} job={current} />}
    </div>
  );
}

function JobRow({ profileId, job, selected, onSelect }: { profileId: string; job: ExportJob; selected: boolean; onSelect(): void }) {
  const report = useShell((s) => s.report);
  const putJob = useExports((s) => s.putJob);
  const [busy, setBusy] = useState(false);
  const cron = job.cron;
  async function toggle() {
    if (!cron) return;
    setBusy(true);
    try {
      putJob(profileId, await call('exports.setState', { profileId, container: job.container, name: job.name, state: cron.state === 'active' ? 'inactive' : 'active' }));
    } catch (e) {
      report(errorOf(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <tr className={`${selected ? 'selected' : ''} ${cron?.lastResult?.type === 'error' ? 'bad' : ''}`} data-testid="export-job" data-job={job.name}>
      <td>
        <button className="link ext-name" onClick={onSelect} data-testid="export-job-open">
          {job.name}
        </button>
        <div className="muted small">
          {job.extension}
          {job.version ? ` ${job.version}` : ''}
        </div>
        {job.problem && <div className="export-warn small">{job.problem}</div>}
      </td>
      <td className="small" data-testid="export-job-destination">
        {job.destination.label}
      </td>
      <td className="small">
        {cron ? (
          <>
            <div data-testid="export-job-schedule">{cron.schedule.description}</div>
            <div className="mono muted">
              {cron.schedule.schedule} {cron.schedule.tz}
            </div>
            <div className="muted" title={cron.schedule.next.map((t) => fmtTime(t)).join('\n')}>
              next: {cron.schedule.next.map((t) => fmtShort(t)).join(' · ')}
            </div>
          </>
        ) : (
          <span className="muted">no cron job</span>
        )}
      </td>
      <td>
        {cron && (
          <button className={`toggle ${cron.state === 'active' ? 'on' : ''}`} role="switch" aria-checked={cron.state === 'active'} onClick={() => void toggle()} disabled={busy} data-testid="job-state-toggle" data-state={cron.state}>
            {cron.state === 'active' ? 'Active' : 'Inactive'}
          </button>
        )}
      </td>
      <td className="small" data-testid="export-job-next">
        {cron?.nextRunAt ? (
          <>
            {fmtTime(cron.nextRunAt)}
            <div className="muted">{fmtRelative(cron.nextRunAt)}</div>
          </>
        ) : (
          '—'
        )}
      </td>
      <td className="small">
        {cron?.lastResult ? (
          <>
            <span className={`xbadge ${cron.lastResult.type === 'success' ? 'ok' : 'bad'}`}>{cron.lastResult.type}</span> {cron.lastResult.statusCode ?? ''}
            <div className="muted">{fmtTime(cron.lastResult.at)}</div>
          </>
        ) : (
          <span className="muted">never ran</span>
        )}
      </td>
      <td className="small">{cron ? `${n(cron.runCount)} / ${n(cron.errorCount)}` : '—'}</td>
    </tr>
  );
}

const BROWSER_TZ = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
})();

function Reschedule({ profileId, job }: { profileId: string; job: ExportJob }) {
  const report = useShell((s) => s.report);
  const putJob = useExports((s) => s.putJob);
  const [schedule, setSchedule] = useState(job.cron?.schedule.schedule ?? '*/10 * * * *');
  const [tz, setTz] = useState(job.cron?.schedule.tz ?? 'UTC');
  const [preview, setPreview] = useState<ScheduleView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      call('exports.previewSchedule', { schedule, tz, count: 5 }).then(
        (v) => {
          if (!live) return;
          setPreview(v);
          setProblem(null);
        },
        (e: unknown) => {
          if (!live) return;
          setPreview(null);
          setProblem(errorOf(e).message);
        },
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [schedule, tz]);

  if (!job.cron) return <p className="muted small">This extension has no cron job to reschedule.</p>;
  const unchanged = schedule.trim() === job.cron.schedule.schedule && tz.trim() === job.cron.schedule.tz;

  async function save() {
    setSaving(true);
    try {
      putJob(profileId, await call('exports.reschedule', { profileId, container: job.container, name: job.name, schedule, tz }));
      report(`Rescheduled ${job.name} to ${schedule} (${tz}).`, 'info');
    } catch (e) {
      report(errorOf(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="export-section" data-testid="reschedule">
      <h2>Reschedule</h2>
      <div className="row">
        <label className="export-field">
          Cron expression
          <input className="mono" value={schedule} onChange={(e) => setSchedule(e.target.value)} spellCheck={false} data-testid="reschedule-cron" aria-invalid={!!problem} />
        </label>
        <label className="export-field">
          Time zone
          <input value={tz} onChange={(e) => setTz(e.target.value)} list="export-tz-list" spellCheck={false} data-testid="reschedule-tz" />
          <datalist id="export-tz-list">
            {['UTC', BROWSER_TZ, 'Europe/London', 'Europe/Paris', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'].map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <button className="primary" disabled={!!problem || !preview || unchanged || saving} onClick={() => void save()} data-testid="reschedule-save">
          {saving ? 'Saving…' : 'Save schedule'}
        </button>
      </div>
      {problem && (
        <div className="error small" data-testid="reschedule-error">
          {problem}
        </div>
      )}
      {preview && (
        <div className="small" data-testid="reschedule-preview">
          <div>{preview.description}</div>
          <ol className="export-next">
            {preview.next.map((t) => (
              <li key={t} title={t}>
                {fmtTime(t)} <span className="muted">({fmtRelative(t)})</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

type Mode = 'local' | 'remote';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The tail's text filter matches a line's message: the platform's cron lines name the job, the
 * export's own lines say "export to <destination>" (records carry the job in `webtask`, which the
 * tail's filter does not look at).
 */
export function jobLogFilter(job: ExportJob) {
  const parts = [escapeRe(job.name)];
  if (job.destination.kind !== 'unknown') parts.push(`export to ${escapeRe(job.destination.kind)}\\b`);
  return { text: parts.join('|'), regex: true };
}

function JobDetail({ profileId, job }: { profileId: string; job: ExportJob }) {
  const report = useShell((s) => s.report);
  const k = jobKey(profileId, job.container, job.name);
  const history = useExports((s) => s.history[k]);
  const loadHistory = useExports((s) => s.loadHistory);
  const load = useExports((s) => s.load);
  const allRuns = useExports((s) => s.runs);
  const putRun = useExports((s) => s.putRun);
  const [failuresOnly, setFailuresOnly] = useState(false);
  const [cp, setCp] = useState('');
  const [mode, setMode] = useState<Mode>('local');
  const [notify, setNotify] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [remote, setRemote] = useState<{ title: string; run: RemoteRun } | null>(null);

  useEffect(() => {
    void loadHistory(profileId, job.container, job.name);
  }, [profileId, job.container, job.name, loadHistory]);

  const localRuns = useMemo(
    () => Object.values(allRuns).filter((r) => r.profileId === profileId && r.container === job.container && r.name === job.name).sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)),
    [allRuns, profileId, job.container, job.name],
  );
  const active = localRuns.find((r) => r.state === 'running');
  const latest = localRuns[0];
  const cpCheck = cp ? Checkpoint.safeParse(cp) : null;
  const cpError = cpCheck && !cpCheck.success ? cpCheck.error.issues[0]?.message : null;
  const runs = (history?.runs ?? []).filter((r) => !failuresOnly || r.type === 'error');

  const target = { profileId, container: job.container, name: job.name };
  const confirm = { tenant: job.container, destination: job.destination.label };

  async function runNow() {
    setBusy('run');
    setRemote(null);
    try {
      const r = await call('exports.runNow', target);
      setRemote({ title: 'Run now', run: r });
      if (!r.ok && r.item.failedCheckpoint) setCp(r.item.failedCheckpoint);
    } catch (e) {
      report(errorOf(e));
    } finally {
      setBusy(null);
      void loadHistory(profileId, job.container, job.name);
      void load(profileId, job.container);
    }
  }

  async function replay(from: string) {
    setConfirming(null);
    setBusy('replay');
    try {
      if (mode === 'remote') {
        setRemote(null);
        const r = await call('exports.replayRemote', { ...target, checkpoint: from, confirm });
        setRemote({ title: `Remote replay from …${from.slice(-12)}`, run: r });
        void load(profileId, job.container);
        void loadHistory(profileId, job.container, job.name);
      } else {
        putRun(await call('exports.replayLocal', { ...target, from, notify, confirm }));
      }
    } catch (e) {
      report(errorOf(e));
    } finally {
      setBusy(null);
    }
  }

  async function cancel(run: LocalRun) {
    try {
      await call('exports.cancel', { runId: run.runId });
    } catch (e) {
      report(errorOf(e));
    }
  }

  const from = cpCheck?.success ? cpCheck.data : null;

  return (
    <div className="export-detail" data-testid="export-detail" data-job={job.name}>
      <div className="toolbar">
        <h1>{job.name}</h1>
        <span className="muted">→ {job.destination.label}</span>
        <button onClick={() => void runNow()} disabled={busy !== null} data-testid="run-now">
          {busy === 'run' ? 'Running…' : 'Run now'}
        </button>
        <button onClick={() => openLogTab(job.container, { profileId, filter: jobLogFilter(job) })} data-testid="open-job-logs" title="A live tail of the tenant, filtered to this job's lines">
          Open live logs
        </button>
      </div>
      <div className="row small muted">
        <span>
          START_FROM: <span className="mono">{job.startFrom ?? '(empty)'}</span>
        </span>
        <span>
          stored checkpoint: <span className="mono" data-testid="remote-checkpoint">{job.remoteCheckpoint ?? '—'}</span>
        </span>
        <span>
          local checkpoint: <span className="mono" data-testid="local-checkpoint">{job.localCheckpoint ?? '—'}</span>
        </span>
      </div>
      {remote && (
        <div data-testid="remote-result">
          <RemoteRunView run={remote.run} title={remote.title} />
        </div>
      )}
      {busy === 'run' && <p className="muted small">Running {job.name} on the cluster…</p>}

      <section className="export-section" data-testid="replay">
        <h2>Replay from a checkpoint</h2>
        <div className="row">
          <label className="export-field grow">
            Checkpoint (log id, 56 digits)
            <input className="mono" value={cp} onChange={(e) => setCp(e.target.value.trim())} placeholder="paste a checkpoint or take one from a failed run below" spellCheck={false} data-testid="checkpoint-input" aria-invalid={!!cpError} />
          </label>
          {job.remoteCheckpoint && (
            <button className="small" onClick={() => setCp(job.remoteCheckpoint!)} title="The checkpoint the job stored on the cluster">
              Use stored
            </button>
          )}
        </div>
        {cpError && (
          <div className="error small" data-testid="checkpoint-error">
            {cpError}
          </div>
        )}
        <div className="row export-mode">
          <label>
            <input type="radio" name={`mode-${k}`} checked={mode === 'local'} onChange={() => setMode('local')} data-testid="mode-local" /> Locally (this console runs the engine)
          </label>
          <label>
            <input type="radio" name={`mode-${k}`} checked={mode === 'remote'} onChange={() => setMode('remote')} data-testid="mode-remote" /> Remotely (set START_FROM, run on the cluster)
          </label>
          {mode === 'local' && (
            <label>
              <input type="checkbox" checked={notify} onChange={(e) => setNotify(e.target.checked)} data-testid="replay-notify" /> Slack notices for this run
            </label>
          )}
        </div>
        <div className="row">
          <button className="primary" disabled={!from || busy !== null || !!active} onClick={() => from && setConfirming(from)} data-testid="replay-start">
            Replay…
          </button>
          {job.localCheckpoint && mode === 'local' && (
            <button disabled={busy !== null || !!active} onClick={() => setConfirming('local')} data-testid="replay-resume" title="Continue from where the last local replay stopped">
              Resume local replay
            </button>
          )}
        </div>
        {confirming && (
          <div className="confirm" role="alertdialog" aria-label="Confirm replay" data-testid="replay-confirm-box">
            <strong>Replays write to the customer's destination.</strong>
            <span>
              Tenant: <strong data-testid="confirm-tenant">{job.container}</strong>
            </span>
            <span>
              Destination: <strong data-testid="confirm-destination">{job.destination.label}</strong>
            </span>
            <span>
              From: <span className="mono">{confirming === 'local' ? `the local checkpoint ${job.localCheckpoint ?? ''}` : confirming}</span> · {mode === 'local' ? `locally, Slack notices ${notify ? 'on' : 'off'}` : 'remotely: START_FROM is set in the extension, then it runs on the cluster'}
            </span>
            <div className="row">
              <button className="danger" onClick={() => void replay(confirming)} data-testid="replay-confirm">
                Replay to {job.destination.kind} for {job.container}
              </button>
              <button onClick={() => setConfirming(null)}>Cancel</button>
            </div>
          </div>
        )}
        {busy === 'replay' && mode === 'remote' && <p className="muted small">Setting START_FROM and running on the cluster…</p>}
        {latest && (
          <div className="export-local" data-testid="local-run" data-state={latest.state}>
            <div className="row">
              <strong>Local replay</strong>
              <span className={`xbadge ${latest.state === 'ok' ? 'ok' : latest.state === 'running' ? '' : 'bad'}`} data-testid="local-run-state">
                {latest.state}
              </span>
              <span className="muted small">
                from <span className="mono">{shortCp(latest.from)}</span>, started {fmtTime(latest.startedAt)}, Slack {latest.notify ? 'on' : 'off'}
              </span>
              {latest.state === 'running' && (
                <button className="danger" onClick={() => void cancel(latest)} data-testid="replay-cancel">
                  Cancel
                </button>
              )}
            </div>
            <ProgressView p={latest.report && latest.state !== 'running' ? { phase: 'done', processed: latest.report.processed, delivered: latest.report.delivered, filtered: latest.report.filtered, batches: latest.report.batches, retries: latest.report.retries, logsPerSecond: latest.report.logsPerSecond, checkpoint: latest.report.nextCheckpoint, etaSeconds: null, fraction: latest.report.status === 'ok' ? 1 : (latest.progress?.fraction ?? null), total: latest.progress?.total ?? null, head: latest.progress?.head ?? null } : latest.progress} running={latest.state === 'running'} />
            {latest.report && <ReportView report={latest.report} title="Local replay report" />}
          </div>
        )}
      </section>

      <Reschedule profileId={profileId} job={job} />

      <section className="export-section" data-testid="history">
        <div className="toolbar">
          <h2>History</h2>
          <label className="small">
            <input type="checkbox" checked={failuresOnly} onChange={(e) => setFailuresOnly(e.target.checked)} data-testid="history-failures" /> Failures only
          </label>
          <button className="small" onClick={() => void loadHistory(profileId, job.container, job.name)} disabled={history?.loading} data-testid="history-refresh">
            {history?.loading ? 'Loading…' : 'Refresh'}
          </button>
          <span className="muted small">last {n(history?.runs.length ?? 0)} runs (cluster history and this console's runs)</span>
        </div>
        {history?.error && <div className="error small">{history.error.message}</div>}
        <table className="grid small export-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Source</th>
              <th>Status</th>
              <th>Duration</th>
              <th>Logs</th>
              <th>Checkpoint</th>
              <th>Error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => (
              <HistoryRow key={`${r.startedAt ?? r.scheduledAt ?? ''}-${i}`} r={r} onUse={(c) => setCp(c)} />
            ))}
            {runs.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  {failuresOnly ? 'No failed run.' : 'No run yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function HistoryRow({ r, onUse }: { r: RunItem; onUse(cp: string): void }) {
  const cp = r.failedCheckpoint ?? r.checkpoint;
  return (
    <tr className={r.type === 'error' ? 'bad' : ''} data-testid="history-run" data-type={r.type}>
      <td title={r.startedAt ?? r.scheduledAt ?? ''}>{fmtTime(r.startedAt ?? r.scheduledAt)}</td>
      <td>{r.source === 'cron' ? 'schedule' : r.source === 'console' ? 'run now / replay' : 'local replay'}</td>
      <td>
        <span className={`xbadge ${r.type === 'success' ? 'ok' : 'bad'}`}>{r.report?.status ?? r.type}</span> {r.statusCode ?? ''}
      </td>
      <td>{fmtDuration(r.durationMs)}</td>
      <td>{r.processed === null ? '—' : `${n(r.processed)}${r.delivered !== null && r.delivered !== r.processed ? ` (${n(r.delivered)} delivered)` : ''}`}</td>
      <td className="mono" title={cp ? `${cp}${r.checkpointNote ? ` (${r.checkpointNote})` : ''}` : ''}>
        {shortCp(cp)}
      </td>
      <td className="history-error">{r.error ?? ''}</td>
      <td>
        {r.type === 'error' && r.failedCheckpoint && (
          <button className="small" onClick={() => onUse(r.failedCheckpoint!)} data-testid="use-checkpoint" title={`Replay from ${r.failedCheckpoint}`}>
            Use checkpoint
          </button>
        )}
      </td>
    </tr>
  );
}

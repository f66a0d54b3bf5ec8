import { useEffect, useMemo, useState } from 'react';
import { FROM_OLDEST, type ExportJob, type RemoteRun } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { openLogTab } from '../logs';
import { History } from './History';
import { RemoteRunView } from './ReportView';
import { ReplaySection } from './ReplaySection';
import { Reschedule } from './Reschedule';
import { useExports } from './store';

/** One job in detail: run now, its checkpoints, replay, reschedule, history. */
export function JobDetail({ profileId, job }: { profileId: string; job: ExportJob }) {
  const report = useShell((s) => s.report);
  const loadHistory = useExports((s) => s.loadHistory);
  const load = useExports((s) => s.load);
  const allRuns = useExports((s) => s.runs);
  const [cp, setCp] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [remote, setRemote] = useState<{ title: string; run: RemoteRun } | null>(null);

  useEffect(() => {
    void loadHistory(profileId, job.container, job.name);
  }, [profileId, job.container, job.name, loadHistory]);

  const localRuns = useMemo(
    () =>
      Object.values(allRuns)
        .filter((r) => r.profileId === profileId && r.container === job.container && r.name === job.name)
        .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)),
    [allRuns, profileId, job.container, job.name],
  );

  async function runNow() {
    setBusy('run');
    setRemote(null);
    try {
      const r = await call('exports.runNow', { profileId, container: job.container, name: job.name });
      setRemote({ title: 'Run now', run: r });
      if (!r.ok && r.item.failedCheckpoint) setCp(r.item.failedCheckpoint);
      else if (!r.ok && r.item.failedAtStart) setCp(FROM_OLDEST);
    } catch (e) {
      report(errorOf(e));
    } finally {
      setBusy(null);
      void loadHistory(profileId, job.container, job.name);
      void load(profileId, job.container);
    }
  }

  return (
    <div className="export-detail" data-testid="export-detail" data-job={job.name}>
      <div className="toolbar">
        <h1>{job.name}</h1>
        <span className="muted">→ {job.destination.label}</span>
        <button onClick={() => void runNow()} disabled={busy !== null} data-testid="run-now">
          {busy === 'run' ? 'Running…' : 'Run now'}
        </button>
        <button
          onClick={() => openLogTab(job.container, { profileId, filter: { extension: job.name } })}
          data-testid="open-job-logs"
          title="A live tail of the tenant, filtered to this job's lines"
        >
          Open live logs
        </button>
      </div>
      <div className="row small muted">
        <span>
          START_FROM: <span className="mono">{job.startFrom ?? '(empty)'}</span>
        </span>
        <span>
          stored checkpoint:{' '}
          <span className="mono" data-testid="remote-checkpoint">
            {job.remoteCheckpoint ?? '—'}
          </span>
        </span>
        <span>
          local checkpoint:{' '}
          <span className="mono" data-testid="local-checkpoint">
            {job.localCheckpoint ?? '—'}
          </span>
        </span>
      </div>
      {remote && (
        <div data-testid="remote-result">
          <RemoteRunView run={remote.run} title={remote.title} />
        </div>
      )}
      {busy === 'run' && <p className="muted small">Running {job.name} on the cluster…</p>}
      <ReplaySection
        profileId={profileId}
        job={job}
        cp={cp}
        setCp={setCp}
        localRuns={localRuns}
        busy={busy}
        setBusy={setBusy}
        onRemote={setRemote}
      />
      <Reschedule profileId={profileId} job={job} />
      <History profileId={profileId} job={job} onUse={setCp} />
    </div>
  );
}

import { useState } from 'react';
import { Checkpoint, FROM_OLDEST, type ExportJob, type LocalRun, type RemoteRun } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { LocalRunView } from './LocalRunView';
import { useExports } from './store';
import { MAX } from '../../lib/limits';

type Mode = 'local' | 'remote';

/** Replay from a checkpoint, locally (the console's engine) or remotely (START_FROM), after a confirmation naming tenant and destination. */
export function ReplaySection(props: {
  profileId: string;
  job: ExportJob;
  cp: string;
  setCp(cp: string): void;
  localRuns: LocalRun[];
  busy: string | null;
  setBusy(b: string | null): void;
  onRemote(r: { title: string; run: RemoteRun } | null): void;
}) {
  const { profileId, job, cp, setCp, localRuns, busy, setBusy, onRemote } = props;
  const report = useShell((s) => s.report);
  const load = useExports((s) => s.load);
  const loadHistory = useExports((s) => s.loadHistory);
  const putRun = useExports((s) => s.putRun);
  const [mode, setMode] = useState<Mode>('local');
  const [notify, setNotify] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const k = `${profileId}:${job.container}:${job.name}`;
  const active = localRuns.find((r) => r.state === 'running');
  const latest = localRuns[0];
  // A run that failed before its first checkpoint is replayed "from the oldest log" (FROM_OLDEST).
  const oldest = cp === FROM_OLDEST;
  const cpCheck = cp && !oldest ? Checkpoint.safeParse(cp) : null;
  const cpError = cpCheck && !cpCheck.success ? cpCheck.error.issues[0]?.message : null;
  const from = oldest ? FROM_OLDEST : cpCheck?.success ? cpCheck.data : null;
  const fromWords = (f: string) =>
    f === FROM_OLDEST ? 'the oldest log' : f === 'local' ? `the local checkpoint ${job.localCheckpoint ?? ''}` : f;
  const target = { profileId, container: job.container, name: job.name };
  const confirm = { tenant: job.container, destination: job.destination.label };

  async function replay(start: string) {
    setConfirming(null);
    setBusy('replay');
    try {
      if (mode === 'remote') {
        onRemote(null);
        const r = await call('exports.replayRemote', { ...target, checkpoint: start, confirm });
        const after = r.restoreProblem ?? `START_FROM put back to ${r.startFromAfter ?? '(empty)'}`;
        onRemote({ title: `Remote replay from ${start === FROM_OLDEST ? 'the oldest log' : `…${start.slice(-12)}`} (${after})`, run: r });
        void load(profileId, job.container);
        void loadHistory(profileId, job.container, job.name);
      } else {
        putRun(await call('exports.replayLocal', { ...target, from: start, notify, confirm }));
      }
    } catch (e) {
      report(errorOf(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="export-section" data-testid="replay">
      <h2>Replay from a checkpoint</h2>
      <div className="row">
        <label className="export-field grow">
          Checkpoint (log id, 56 digits)
          <input
            className="mono"
            value={oldest ? '' : cp}
            disabled={oldest}
            onChange={(e) => setCp(e.target.value.trim())}
            placeholder="paste a checkpoint or take one from a failed run below"
            spellCheck={false}
            data-testid="checkpoint-input"
            maxLength={MAX.checkpoint}
            aria-invalid={!!cpError}
          />
        </label>
        {job.remoteCheckpoint && (
          <button className="small" onClick={() => setCp(job.remoteCheckpoint!)} title="The checkpoint the job stored on the cluster">
            Use stored
          </button>
        )}
      </div>
      <label className="small">
        <input
          type="checkbox"
          checked={oldest}
          onChange={(e) => setCp(e.target.checked ? FROM_OLDEST : '')}
          data-testid="replay-from-oldest"
        />{' '}
        From the oldest log (for a run that failed before its first checkpoint)
      </label>
      {cpError && (
        <div className="error small" data-testid="checkpoint-error">
          {cpError}
        </div>
      )}
      <div className="row export-mode">
        <label>
          <input type="radio" name={`mode-${k}`} checked={mode === 'local'} onChange={() => setMode('local')} data-testid="mode-local" />{' '}
          Locally (this console runs the engine)
        </label>
        <label>
          <input type="radio" name={`mode-${k}`} checked={mode === 'remote'} onChange={() => setMode('remote')} data-testid="mode-remote" />{' '}
          Remotely (set START_FROM, run on the cluster)
        </label>
        {mode === 'local' && (
          <label>
            <input type="checkbox" checked={notify} onChange={(e) => setNotify(e.target.checked)} data-testid="replay-notify" /> Slack
            notices for this run
          </label>
        )}
      </div>
      <div className="row">
        <button
          className="primary"
          disabled={!from || busy !== null || !!active}
          onClick={() => from && setConfirming(from)}
          data-testid="replay-start"
        >
          Replay…
        </button>
        {job.localCheckpoint && mode === 'local' && (
          <button
            disabled={busy !== null || !!active}
            onClick={() => setConfirming('local')}
            data-testid="replay-resume"
            title="Continue from where the last local replay stopped"
          >
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
            From:{' '}
            <span className="mono" data-testid="confirm-from">
              {fromWords(confirming)}
            </span>{' '}
            ·{' '}
            {mode === 'local'
              ? `locally, Slack notices ${notify ? 'on' : 'off'}`
              : 'remotely: START_FROM is set in the extension, then it runs on the cluster'}
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
      {latest && <LocalRunView run={latest} />}
    </section>
  );
}

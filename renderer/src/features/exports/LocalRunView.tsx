import type { LocalRun, RunProgress } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { fmtTime, shortCp } from './format';
import { ProgressView, ReportView } from './ReportView';

/** A finished run's progress, read from its report (the last progress event may predate the end). */
function progressOf(run: LocalRun): RunProgress | null {
  const r = run.report;
  if (!r || run.state === 'running') return run.progress;
  return {
    phase: 'done',
    processed: r.processed,
    delivered: r.delivered,
    filtered: r.filtered,
    batches: r.batches,
    retries: r.retries,
    logsPerSecond: r.logsPerSecond,
    checkpoint: r.nextCheckpoint,
    etaSeconds: null,
    fraction: r.status === 'ok' ? 1 : (run.progress?.fraction ?? null),
    total: run.progress?.total ?? null,
    head: run.progress?.head ?? null,
  };
}

/** The latest local replay of a job: state, progress, cancel, report. */
export function LocalRunView({ run }: { run: LocalRun }) {
  const report = useShell((s) => s.report);
  async function cancel() {
    try {
      await call('exports.cancel', { runId: run.runId });
    } catch (e) {
      report(errorOf(e));
    }
  }
  return (
    <div className="export-local" data-testid="local-run" data-state={run.state}>
      <div className="row">
        <strong>Local replay</strong>
        <span className={`xbadge ${run.state === 'ok' ? 'ok' : run.state === 'running' ? '' : 'bad'}`} data-testid="local-run-state">
          {run.state}
        </span>
        <span className="muted small">
          from <span className="mono">{shortCp(run.from)}</span>, started {fmtTime(run.startedAt)}, Slack {run.notify ? 'on' : 'off'}
        </span>
        {run.state === 'running' && (
          <button className="danger" onClick={() => void cancel()} data-testid="replay-cancel">
            Cancel
          </button>
        )}
      </div>
      <ProgressView p={progressOf(run)} running={run.state === 'running'} />
      {run.report && <ReportView report={run.report} title="Local replay report" />}
    </div>
  );
}

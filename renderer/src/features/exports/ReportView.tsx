import type { RemoteRun, RunProgress, RunReport } from '../../../../common/contract';
import { ConfigWarnings } from './ConfigWarnings';
import { fmtDuration, fmtEta, fmtTime, n } from './format';

/** The engine's final report: the figures support engineers quote back to customers. */
export function ReportView({ report, title }: { report: RunReport; title?: string }) {
  const cls = report.status === 'ok' ? 'ok' : report.status === 'cancelled' ? 'warn' : 'bad';
  return (
    <div className={`export-report ${cls}`} data-testid="export-report" data-status={report.status}>
      <div className="row">
        <strong>{title ?? 'Report'}:</strong>
        <span className={`xbadge ${cls}`}>{report.status}</span>
        <span className="muted small">
          {fmtTime(report.startedAt)} → {fmtTime(report.endedAt)} ({fmtDuration(report.durationMs)})
        </span>
      </div>
      <dl className="export-figures">
        <dt>Logs processed</dt>
        <dd data-testid="report-processed">{n(report.processed)}</dd>
        <dt>Delivered</dt>
        <dd data-testid="report-delivered">{n(report.delivered)}</dd>
        <dt>Filtered</dt>
        <dd>{n(report.filtered)}</dd>
        <dt>Rejected</dt>
        <dd>{n(report.rejected)}</dd>
        <dt>Batches</dt>
        <dd>{n(report.batches)}</dd>
        <dt>Retries</dt>
        <dd data-testid="report-retries">{n(report.retries)}</dd>
        {report.rateLimitWaits ? (
          <>
            <dt>Rate-limit waits</dt>
            <dd data-testid="report-rate-limit-waits">
              {n(report.rateLimitWaits)} ({fmtDuration(report.rateLimitWaitMs ?? 0)})
            </dd>
          </>
        ) : null}
        <dt>Logs/s</dt>
        <dd>{n(report.logsPerSecond)}</dd>
        <dt>Started after</dt>
        <dd className="mono">{report.startCheckpoint ?? '(oldest log)'}</dd>
        <dt>Next checkpoint</dt>
        <dd className="mono" data-testid="report-next-checkpoint">
          {report.nextCheckpoint ?? '—'}
        </dd>
        {report.failedCheckpoint && (
          <>
            <dt>Replay from</dt>
            <dd className="mono" data-testid="report-failed-checkpoint">
              {report.failedCheckpoint}
            </dd>
          </>
        )}
        {Object.keys(report.unknownTypes).length > 0 && (
          <>
            <dt>Unknown types</dt>
            <dd>
              {Object.entries(report.unknownTypes)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ')}
            </dd>
          </>
        )}
      </dl>
      {report.duplicatesPossible && (
        <p className="hint warn small">
          A batch was sent and no acknowledgement came back (a timed-out or dropped request): some logs may arrive twice.
        </p>
      )}
      <ConfigWarnings warnings={report.warnings} testId="report-warnings" />
      {report.error && <div className="error small">{report.error}</div>}
    </div>
  );
}

export function RemoteRunView({ run, title }: { run: RemoteRun; title: string }) {
  if (run.item.report)
    return <ReportView report={run.item.report} title={`${title} (HTTP ${run.statusCode}, ${fmtDuration(run.durationMs)})`} />;
  return (
    <div className={`export-report ${run.ok ? 'ok' : 'bad'}`} data-testid="export-report" data-status={run.ok ? 'ok' : 'failed'}>
      <div className="row">
        <strong>{title}:</strong>
        <span className={`xbadge ${run.ok ? 'ok' : 'bad'}`}>{run.ok ? 'ok' : 'failed'}</span>
        <span className="muted small">
          HTTP {run.statusCode}, {fmtDuration(run.durationMs)}
        </span>
      </div>
      {run.item.error && <div className="error small">{run.item.error}</div>}
      {run.item.failedCheckpoint && (
        <p className="small">
          Replay from{' '}
          <span className="mono" data-testid="report-failed-checkpoint">
            {run.item.failedCheckpoint}
          </span>
          {run.item.checkpointNote ? <span className="muted"> ({run.item.checkpointNote})</span> : null}
        </p>
      )}
      {run.body && !run.item.error && <pre className="export-body">{run.body}</pre>}
    </div>
  );
}

/** Progress of a local replay; the bar is exact when the head is known, else it shows the work done. */
export function ProgressView({ p, running }: { p: RunProgress | null; running: boolean }) {
  const pct =
    p && typeof p.fraction === 'number'
      ? Math.round(p.fraction * 100)
      : p && p.total
        ? Math.min(100, Math.round((p.processed / Math.max(1, p.total)) * 100))
        : null;
  return (
    <div className="export-progress" data-testid="export-progress">
      <div
        className={`export-bar ${pct === null && running ? 'indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <div className="export-bar-fill" style={{ width: `${pct ?? (running ? 100 : 0)}%` }} />
      </div>
      <div className="row small">
        <span>
          Logs <strong data-testid="progress-processed">{n(p?.processed ?? 0)}</strong>
          {p?.total ? ` of ${n(p.total)}` : ''}
          {pct !== null && running ? ` (${pct}%)` : ''}
        </span>
        <span>delivered {n(p?.delivered ?? 0)}</span>
        <span>batches {n(p?.batches ?? 0)}</span>
        <span>{n(p?.logsPerSecond ?? 0)} logs/s</span>
        <span>retries {n(p?.retries ?? 0)}</span>
        <span>ETA {running ? fmtEta(p?.etaSeconds) : '—'}</span>
      </div>
      <div className="small">
        Checkpoint{' '}
        <span className="mono" data-testid="progress-checkpoint">
          {p?.checkpoint ?? '—'}
        </span>
        {p?.phase === 'retrying' && p.message ? <span className="export-warn"> · retrying: {p.message}</span> : null}
      </div>
    </div>
  );
}

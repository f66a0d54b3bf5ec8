import { useState } from 'react';
import type { ExportJob } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { fmtInZone, fmtRelative, fmtTime, n } from './format';
import { useExports } from './store';
import { ConfigWarnings } from './ConfigWarnings';

/** One job of the tenant's table: schedule, state switch, next run, last result. */
export function JobRow({ profileId, job, selected, onSelect }: { profileId: string; job: ExportJob; selected: boolean; onSelect(): void }) {
  const report = useShell((s) => s.report);
  const putJob = useExports((s) => s.putJob);
  const [busy, setBusy] = useState(false);
  // Stopping an export is one click away from losing a customer's logs downstream: ask first.
  const [confirmStop, setConfirmStop] = useState(false);
  const cron = job.cron;
  async function toggle() {
    if (!cron) return;
    setConfirmStop(false);
    setBusy(true);
    try {
      putJob(
        profileId,
        await call('exports.setState', {
          profileId,
          container: job.container,
          name: job.name,
          state: cron.state === 'active' ? 'inactive' : 'active',
        }),
      );
    } catch (e) {
      report(errorOf(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <tr
      className={`${selected ? 'selected' : ''} ${cron?.lastResult?.type === 'error' ? 'bad' : ''}`}
      data-testid="export-job"
      data-job={job.name}
    >
      <td>
        <button className="link ext-name" onClick={onSelect} data-testid="export-job-open">
          {job.name}
        </button>
        <div className="muted small">
          {job.extension}
          {job.version ? ` ${job.version}` : ''}
        </div>
        {job.problem && <div className="export-warn small">{job.problem}</div>}
        <ConfigWarnings warnings={job.warnings} />
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
            <div
              className="muted"
              title={cron.schedule.next.map((t) => `${fmtInZone(t, cron.schedule.tz)} (your time ${fmtTime(t)})`).join('\n')}
            >
              next ({cron.schedule.tz}): {cron.schedule.next.map((t) => fmtInZone(t, cron.schedule.tz)).join(' · ')}
            </div>
          </>
        ) : (
          <span className="muted">no cron job</span>
        )}
      </td>
      <td>
        {cron && (
          <button
            className={`toggle ${cron.state === 'active' ? 'on' : ''}`}
            role="switch"
            aria-checked={cron.state === 'active'}
            onClick={() => (cron.state === 'active' ? setConfirmStop(true) : void toggle())}
            disabled={busy || confirmStop}
            data-testid="job-state-toggle"
            data-state={cron.state}
          >
            {cron.state === 'active' ? 'Active' : 'Inactive'}
          </button>
        )}
        {cron && confirmStop && (
          <div className="confirm small" role="alertdialog" aria-label="Confirm stopping the export" data-testid="job-stop-confirm">
            <span>
              Stop exporting logs of <strong>{job.container}</strong> to {job.destination.label}? No run happens until it is turned on
              again.
            </span>
            <div className="row">
              <button className="danger" onClick={() => void toggle()} data-testid="job-stop-confirm-yes">
                Stop export
              </button>
              <button onClick={() => setConfirmStop(false)}>Keep running</button>
            </div>
          </div>
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
            <span className={`xbadge ${cron.lastResult.type === 'success' ? 'ok' : 'bad'}`}>{cron.lastResult.type}</span>{' '}
            {cron.lastResult.statusCode ?? ''}
            <div className="muted">{fmtTime(cron.lastResult.at)}</div>
          </>
        ) : cron ? (
          <span className="muted" data-testid="export-job-last">
            no scheduled run yet{cron.nextRunAt ? '' : ' (none planned)'}
            <div className="small">runs from this console are in its History</div>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="small" data-testid="export-job-counts">
        {cron ? (
          cron.runCount === 0 && cron.errorCount === 0 ? (
            <span className="muted">none scheduled yet</span>
          ) : (
            `${n(cron.runCount)} / ${n(cron.errorCount)}`
          )
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}

import { useState } from 'react';
import type { ExportJob } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { fmtRelative, fmtShort, fmtTime, n } from './format';
import { useExports } from './store';
import { ConfigWarnings } from './ConfigWarnings';

/** One job of the tenant's table: schedule, state switch, next run, last result. */
export function JobRow({ profileId, job, selected, onSelect }: { profileId: string; job: ExportJob; selected: boolean; onSelect(): void }) {
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

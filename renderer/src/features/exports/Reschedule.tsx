import { useEffect, useState } from 'react';
import type { ExportJob, ScheduleView } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { BROWSER_TZ, fmtInZone, fmtRelative } from './format';
import { useExports } from './store';
import { MAX } from '../../lib/limits';

/** A new cron expression and time zone for the job, with the next runs previewed before saving. */
export function Reschedule({ profileId, job }: { profileId: string; job: ExportJob }) {
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
          <input
            className="mono"
            value={schedule}
            onChange={(e) => setSchedule(e.target.value)}
            spellCheck={false}
            data-testid="reschedule-cron"
            maxLength={MAX.cron}
            aria-invalid={!!problem}
          />
        </label>
        <label className="export-field">
          Time zone
          <input
            value={tz}
            onChange={(e) => setTz(e.target.value)}
            list="export-tz-list"
            spellCheck={false}
            data-testid="reschedule-tz"
            maxLength={MAX.tz}
          />
          <datalist id="export-tz-list">
            {[
              'UTC',
              BROWSER_TZ,
              'Europe/London',
              'Europe/Paris',
              'America/New_York',
              'America/Los_Angeles',
              'Asia/Tokyo',
              'Australia/Sydney',
            ].map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <button
          className="primary"
          disabled={!!problem || !preview || unchanged || saving}
          onClick={() => void save()}
          data-testid="reschedule-save"
        >
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
          <div className="muted">
            Next runs in <strong data-testid="reschedule-preview-zone">{preview.tz}</strong>
            {preview.tz !== BROWSER_TZ ? `, with your time (${BROWSER_TZ}) beside` : ''}:
          </div>
          <ol className="export-next">
            {preview.next.map((t) => (
              <li key={t} title={t} data-testid="reschedule-preview-time">
                {fmtInZone(t, preview.tz)}
                {preview.tz !== BROWSER_TZ && <span className="muted"> · your time {fmtInZone(t, BROWSER_TZ)}</span>}{' '}
                <span className="muted">({fmtRelative(t)})</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

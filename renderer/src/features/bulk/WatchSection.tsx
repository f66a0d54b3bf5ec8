import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BulkTenant, BulkView } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell } from '../../shell/store';
import { fmtTime, n, shortCp } from '../exports/format';
import { bulkEta, estimatedOf, fmtSeconds, plural, rowControls } from './format';
import { useBulk } from './store';

const BADGE: Record<BulkTenant['state'], string> = { ok: 'ok', failed: 'bad', cancelled: 'warn', paused: 'warn', running: '', waiting: '' };

/** One bulk replay: the aggregate, control of the whole, one row per tenant, the report. */
export function WatchSection({ view }: { view: BulkView }) {
  // Only the actions: a row must not re-render on every change of the store.
  const b = useBulk(useShallow((s) => ({ control: s.control, retry: s.retry })));
  const report = useShell((s) => s.report);
  const [now, setNow] = useState(() => Date.now());
  // The ETA counts down between events.
  useEffect(() => {
    if (view.state !== 'running') return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [view.state]);

  const c = view.counts;
  const total = view.tenants.length;
  const finished = c.ok + c.failed + c.cancelled;
  const live = view.state === 'running' || view.state === 'paused';
  const estimate = view.tenants.every((t) => t.estimate !== null) ? view.tenants.reduce((a, t) => a + (t.estimate ?? 0), 0) : null;
  // Remote runs report their counts only at the end: until then the aggregate includes the core's estimates.
  const estimated = view.tenants.some((t) => t.state === 'running' && estimatedOf(t) !== null);

  async function save(format: 'json' | 'csv') {
    try {
      const r = await call('bulk.report', { bulkId: view.bulkId, format });
      const out = await saveText(r.filename, r.text, format === 'json' ? 'application/json' : 'text/csv');
      if (out !== 'cancelled') report(`${r.filename} ${out}.`, 'info');
    } catch (e) {
      report(errorOf(e));
    }
  }

  return (
    <section className="bulk-watch" data-testid="bulk-watch" data-bulk={view.bulkId} data-state={view.state}>
      <div className="toolbar">
        <strong>
          Bulk replay <span className="mono">{view.bulkId}</span>
        </strong>
        <span className={`xbadge ${view.state === 'done' ? 'ok' : view.state === 'running' ? '' : 'warn'}`} data-testid="bulk-state">
          {view.state}
        </span>
        <span className="muted small">
          started {fmtTime(view.createdAt)}, {view.mode}, {view.concurrency} at a time
        </span>
        <span className="grow" />
        {view.state === 'running' && (
          <button onClick={() => void b.control('pause')} data-testid="bulk-pause">
            Pause all
          </button>
        )}
        {view.state === 'paused' && (
          <button onClick={() => void b.control('resume')} data-testid="bulk-resume">
            Resume all
          </button>
        )}
        {live && (
          <button className="danger" onClick={() => void b.control('cancel')} data-testid="bulk-cancel">
            Cancel all
          </button>
        )}
        <button onClick={() => void save('json')} data-testid="bulk-report-json">
          Save report (JSON)
        </button>
        <button onClick={() => void save('csv')} data-testid="bulk-report-csv">
          Save report (CSV)
        </button>
      </div>
      {view.slack && (
        <p className="muted small" data-testid="bulk-slack">
          Slack summary: {view.slack}
        </p>
      )}
      {view.note && (
        <p className="export-warn small" data-testid="bulk-note">
          {view.note}
        </p>
      )}
      <div
        className="bulk-aggregate"
        data-testid="bulk-aggregate"
        data-ok={c.ok}
        data-running={c.running}
        data-failed={c.failed}
        data-waiting={c.waiting}
        data-paused={c.paused}
        data-cancelled={c.cancelled}
        data-delivered={view.delivered}
        data-estimated={estimated}
      >
        <progress max={total || 1} value={finished} aria-label={`${finished} of ${total} tenants finished`} />
        <span>
          <strong>{c.ok}</strong> done · <strong>{c.running}</strong> running ·{' '}
          <strong className={c.failed ? 'bad-text' : ''}>{c.failed}</strong> failed · <strong>{c.waiting}</strong> waiting
          {c.paused ? ` · ${c.paused} paused` : ''}
          {c.cancelled ? ` · ${c.cancelled} cancelled` : ''} — of {plural(total, 'tenant')}
        </span>
        <span>
          <strong data-testid="bulk-delivered">{n(view.delivered)}</strong>
          {estimate !== null ? ` of about ${n(estimate)}` : ''} logs delivered · {n(Math.round(view.logsPerSecond))} logs/s
          {estimated && ' '}
          {estimated && (
            <span className="xbadge warn" title="Remote runs report their counts at the end" data-testid="bulk-estimated">
              estimated
            </span>
          )}
        </span>
        <span data-testid="bulk-eta">{view.state === 'running' ? `${fmtSeconds(bulkEta(view, now))} left` : ''}</span>
      </div>
      <table className="grid bulk-table" data-testid="bulk-tenants">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Job</th>
            <th scope="col">Destination</th>
            <th scope="col">State</th>
            <th scope="col">Progress</th>
            <th scope="col">Checkpoint</th>
            <th scope="col">Result</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {view.tenants.map((t) => (
            <TenantRow key={`${t.container}/${t.name}`} t={t} bulkLive={live} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function TenantRow({ t, bulkLive }: { t: BulkTenant; bulkLive: boolean }) {
  // Only the actions: a row must not re-render on every change of the store.
  const b = useBulk(useShallow((s) => ({ control: s.control, retry: s.retry })));
  const p = t.progress;
  const delivered = t.report?.delivered ?? p?.delivered ?? 0;
  const processed = t.report?.processed ?? p?.processed ?? 0;
  // A stopped run's last progress may read "done" (its fraction 1): only a run going on or paused shows its share.
  const going = t.state === 'running' || t.state === 'paused';
  const pct = t.state === 'ok' ? 100 : going && p?.fraction != null ? Math.round(p.fraction * 100) : null;
  const who = `${t.container} ${t.name}`;
  const can = rowControls(t, bulkLive);
  const estimated = estimatedOf(t);
  return (
    <tr
      className={t.state === 'failed' ? 'bad' : ''}
      data-testid="bulk-tenant"
      data-tenant={t.container}
      data-job={t.name}
      data-state={t.state}
      data-attempts={t.attempts}
      data-stopping={t.stopping?.to ?? undefined}
    >
      <td className="mono">{t.container}</td>
      <td className="mono">{t.name}</td>
      <td className="small">{t.destination.label}</td>
      <td>
        <span className={`xbadge ${BADGE[t.state]}`} data-testid="bulk-tenant-state">
          {t.state}
        </span>
        {t.stopping && (
          <span className="xbadge warn" title={t.stopping.note} data-testid="bulk-tenant-stopping">
            {t.stopping.to === 'paused' ? 'pausing' : 'cancelling'}
          </span>
        )}
        {t.attempts > 1 && <div className="muted small">attempt {t.attempts}</div>}
      </td>
      <td>
        <div
          className={`export-bar ${pct === null && t.state === 'running' ? 'indeterminate' : ''}`}
          role="progressbar"
          aria-label={`${who} progress`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct ?? undefined}
        >
          <div className="export-bar-fill" style={{ width: `${pct ?? (t.state === 'running' ? 100 : 0)}%` }} />
        </div>
        <span className="small" data-testid="bulk-tenant-delivered" data-delivered={delivered}>
          {n(delivered)} delivered of {n(processed)} read
          {t.estimate !== null ? ` (about ${n(t.estimate)} expected)` : ''}
          {t.state === 'running' && p ? ` · ${n(Math.round(p.logsPerSecond))} logs/s` : ''}
        </span>
        {estimated && (
          <div className="muted small" title={estimated} data-testid="bulk-tenant-estimated">
            <span className="xbadge warn">estimated</span> {estimated}
          </div>
        )}
      </td>
      <td className="mono small" title={t.checkpoint ?? t.from ?? undefined}>
        {shortCp(t.checkpoint ?? t.from)}
      </td>
      <td className="small">
        {t.stopping ? (
          <span className="export-warn" data-testid="bulk-tenant-stopping-note">
            {t.stopping.note}
          </span>
        ) : t.state === 'paused' ? (
          <span className="muted">Paused: resumes from its last acknowledged checkpoint.</span>
        ) : t.error ? (
          <span className="bad-text" data-testid="bulk-tenant-error">
            {t.error}
          </span>
        ) : t.state === 'ok' ? (
          `done ${fmtTime(t.endedAt)}`
        ) : (
          ''
        )}
        {t.duplicatesPossible && <div className="export-warn">Some logs may have been sent twice (at most one batch).</div>}
      </td>
      <td>
        <div className="bulk-actions">
          {can.pause && (
            <button className="link" onClick={() => void b.control('pause', t)} aria-label={`Pause ${who}`} data-testid="bulk-tenant-pause">
              pause
            </button>
          )}
          {can.resume && (
            <button
              className="link"
              onClick={() => void b.control('resume', t)}
              aria-label={t.state === 'running' ? `Resume ${who}: take the pending pause back` : `Resume ${who}`}
              data-testid="bulk-tenant-resume"
            >
              resume
            </button>
          )}
          {can.cancel && (
            <button
              className="link"
              onClick={() => void b.control('cancel', t)}
              aria-label={`Cancel ${who}`}
              data-testid="bulk-tenant-cancel"
            >
              cancel
            </button>
          )}
          {can.retry && (
            <button onClick={() => void b.retry(t)} aria-label={`Retry ${who}`} data-testid="bulk-tenant-retry">
              Retry
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

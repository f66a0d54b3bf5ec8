import { useEffect, useMemo, useState } from 'react';
import { Checkpoint, PLATFORM_NAME_RX, type BulkPlan } from '../../../../common/contract';
import { shortCp } from '../exports/format';
import { ProgressLine } from '../fleet/FleetTab';
import { duration } from '../fleet/format';
import { useFleet } from '../fleet/store';
import { candidatesOf, plural, type Candidate } from './format';
import { keyOf, planIsCurrent, useBulk, type Selected } from './store';

/** What is wrong with a row's typed log id or time, in words (null: fine, or the row uses its failed checkpoint). */
function fromProblem(s: Selected): string | null {
  if (s.from === 'time') {
    if (!s.before) return 'Choose the time: the replay starts at the last good run before it.';
    return Number.isNaN(new Date(s.before).getTime()) ? 'Not a time.' : null;
  }
  if (s.from !== 'logId') return null;
  if (!s.logId.trim()) return 'Type the log id to replay from, or choose its failed checkpoint.';
  const r = Checkpoint.safeParse(s.logId);
  return r.success ? null : (r.error.issues[0]?.message ?? 'Not a log id.');
}

/** Select tenant jobs, choose where each replays from, preview, confirm the counts, start. */
export function PlanSection({ profileId }: { profileId: string }) {
  const fleet = useFleet();
  const b = useBulk();
  const [typed, setTyped] = useState('');
  const [host, setHost] = useState('');
  const [hostNote, setHostNote] = useState<{ note: string; partial: string | null } | null>(null);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    void fleet.open(profileId);
  }, [profileId, fleet]);

  const rows = useMemo(() => Object.values(fleet.rows), [fleet.rows]);
  const candidates = useMemo(() => candidatesOf(rows, b.manual), [rows, b.manual]);
  // A pre-filled job the scan does not list (yet) is still shown, so what is selected is always visible.
  const listed = useMemo(() => {
    const known = new Set(candidates.map(keyOf));
    const extra = Object.values(b.selected)
      .filter((s) => !known.has(keyOf(s)))
      .map<Candidate>((s) => ({ ...s, failing: false, statusCode: null, errorCount: 0, lagMs: null, manual: true }));
    return [...extra, ...candidates];
  }, [candidates, b.selected]);
  const scanning = fleet.scanProgress?.state === 'running' || (fleet.scanId !== null && fleet.scanProgress === null);
  const selected = Object.values(b.selected);
  const problems = selected.map(fromProblem).filter(Boolean);
  const current = planIsCurrent(b);

  const typedMatch = typed.trim().match(/^([^/\s]+)\/([^/\s]+)$/);
  const typedOk = !!typedMatch && PLATFORM_NAME_RX.test(typedMatch[1]!) && PLATFORM_NAME_RX.test(typedMatch[2]!);

  async function start() {
    setConfirming(false);
    await b.start();
  }

  return (
    <section className="bulk-plan" data-testid="bulk-plan">
      <div className="toolbar">
        <span className="muted small" data-testid="bulk-source">
          {rows.length
            ? `Export jobs of the fleet scan of ${fleet.scanAt ? new Date(fleet.scanAt).toLocaleString() : '—'}${fleet.complete ? '' : ' (incomplete)'}: failing ones first.`
            : 'No fleet scan yet: scan to list every tenant’s export jobs, or add a job by hand.'}
        </span>
        <button onClick={() => void fleet.scan(false)} disabled={scanning} data-testid="bulk-scan">
          {rows.length ? 'Scan again' : 'Scan all tenants'}
        </button>
        <span className="grow" />
        <button
          onClick={() => listed.filter((c) => c.failing).forEach((c) => b.toggle(c, true))}
          disabled={!listed.some((c) => c.failing)}
          data-testid="bulk-select-failing"
        >
          Select every failing job
        </button>
        <button onClick={() => selected.forEach((s) => b.toggle(s, false))} disabled={!selected.length} data-testid="bulk-select-none">
          Clear selection
        </button>
      </div>
      <ProgressLine p={scanning ? fleet.scanProgress : null} testId="bulk-scan-progress" />
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!typedOk) return;
          b.addManual({ container: typedMatch[1]!, name: typedMatch[2]! });
          setTyped('');
        }}
      >
        <label className="check">
          Add a job by hand
          <input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="tenant/job"
            maxLength={260}
            aria-invalid={typed.trim() !== '' && !typedOk}
            data-testid="bulk-add-input"
          />
        </label>
        <button type="submit" disabled={!typedOk} data-testid="bulk-add">
          Add
        </button>
        {typed.trim() !== '' && !typedOk && (
          <span className="bad-text small">Write it as tenant/job, e.g. acme-prod/logs-to-logstash.</span>
        )}
      </form>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!host.trim()) return;
          setHostNote(null);
          void b.selectByHost(host.trim()).then(setHostNote);
        }}
      >
        <label className="check">
          Select every job sending to a destination host
          <input
            value={host}
            onChange={(e) => setHost(e.target.value)}
            placeholder="logs.example.com"
            maxLength={253}
            data-testid="bulk-host-input"
          />
        </label>
        <button type="submit" disabled={!host.trim()} data-testid="bulk-host-select">
          Select
        </button>
        {hostNote && (
          <span className="muted small" data-testid="bulk-host-note">
            {hostNote.note}
          </span>
        )}
        {hostNote?.partial && (
          <span className="export-warn small" data-testid="bulk-host-partial">
            Partial: {hostNote.partial}
          </span>
        )}
      </form>

      <table className="grid bulk-table" data-testid="bulk-candidates">
        <thead>
          <tr>
            <th scope="col">Replay</th>
            <th scope="col">Tenant</th>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Replay from</th>
          </tr>
        </thead>
        <tbody>
          {listed.map((c) => {
            const k = keyOf(c);
            const s = b.selected[k];
            const problem = s ? fromProblem(s) : null;
            return (
              <tr key={k} data-testid="bulk-candidate" data-tenant={c.container} data-job={c.name} data-failing={c.failing}>
                <td>
                  <input
                    type="checkbox"
                    checked={!!s}
                    onChange={(e) => b.toggle(c, e.target.checked)}
                    aria-label={`Replay ${c.name} of ${c.container}`}
                    data-testid="bulk-candidate-check"
                  />
                </td>
                <td className="mono">{c.container}</td>
                <td className="mono">{c.name}</td>
                <td>
                  {c.failing ? (
                    <span className="bad-text">
                      failing{c.statusCode ? ` (HTTP ${c.statusCode})` : ''}
                      {c.errorCount ? `, ${plural(c.errorCount, 'error')}` : ''}
                    </span>
                  ) : c.manual ? (
                    <span className="muted">added by hand</span>
                  ) : (
                    <span className="muted">ok{c.lagMs !== null ? `, lag ${duration(c.lagMs)}` : ''}</span>
                  )}
                </td>
                <td>
                  {s ? (
                    <div className="bulk-from" role="radiogroup" aria-label={`Replay ${c.container} ${c.name} from`}>
                      <label>
                        <input
                          type="radio"
                          name={`from-${k}`}
                          checked={s.from === 'failed'}
                          onChange={() => b.setFrom(k, { from: 'failed' })}
                          data-testid="bulk-from-failed"
                        />{' '}
                        its failed checkpoint
                      </label>
                      <label>
                        <input
                          type="radio"
                          name={`from-${k}`}
                          checked={s.from === 'logId'}
                          onChange={() => b.setFrom(k, { from: 'logId' })}
                          data-testid="bulk-from-logid"
                        />{' '}
                        log id
                      </label>
                      <label>
                        <input
                          type="radio"
                          name={`from-${k}`}
                          checked={s.from === 'time'}
                          onChange={() => b.setFrom(k, { from: 'time' })}
                          data-testid="bulk-from-time"
                        />{' '}
                        last good run before
                      </label>
                      {s.from === 'time' && (
                        <input
                          type="datetime-local"
                          step={1}
                          value={s.before}
                          onChange={(e) => b.setFrom(k, { before: e.target.value })}
                          aria-label={`Replay ${c.container} ${c.name} from its last good run before (your time)`}
                          aria-invalid={!!problem}
                          data-testid="bulk-from-time-input"
                        />
                      )}
                      {s.from === 'logId' && (
                        <input
                          className="mono"
                          value={s.logId}
                          onChange={(e) => b.setFrom(k, { logId: e.target.value })}
                          placeholder="56-digit log id"
                          maxLength={80}
                          aria-label={`Log id to replay ${c.container} ${c.name} from`}
                          aria-invalid={!!problem}
                          data-testid="bulk-from-input"
                        />
                      )}
                      {problem && (
                        <span className="bad-text small" data-testid="bulk-from-error">
                          {problem}
                        </span>
                      )}
                    </div>
                  ) : (
                    <span className="muted small">—</span>
                  )}
                </td>
              </tr>
            );
          })}
          {listed.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No export jobs to show.
              </td>
            </tr>
          )}
        </tbody>
      </table>

      <div className="toolbar">
        <span data-testid="bulk-selected-count" data-count={selected.length}>
          {plural(selected.length, 'job')} selected
        </span>
        <fieldset className="row bulk-mode">
          <legend className="muted small">Mode</legend>
          <label>
            <input
              type="radio"
              name="bulk-mode"
              checked={b.mode === 'local'}
              onChange={() => b.setMode('local')}
              data-testid="bulk-mode-local"
            />{' '}
            Locally (this console runs the engine)
          </label>
          <label>
            <input
              type="radio"
              name="bulk-mode"
              checked={b.mode === 'remote'}
              onChange={() => b.setMode('remote')}
              data-testid="bulk-mode-remote"
            />{' '}
            Remotely (each job runs on the cluster)
          </label>
        </fieldset>
        <button
          className="primary"
          onClick={() => void b.preview()}
          disabled={!selected.length || problems.length > 0 || b.previewing}
          data-testid="bulk-preview"
        >
          {b.previewing ? 'Planning…' : 'Preview'}
        </button>
        {problems.length > 0 && <span className="bad-text small">Fix the checkpoints marked above first.</span>}
      </div>

      {b.plan && <PlanTable plan={b.plan} stale={!current} remote={b.mode === 'remote'} />}

      {b.plan && current && b.plan.tenants > 0 && (
        <div className="toolbar bulk-start" data-testid="bulk-start-box">
          <span>
            {b.mode === 'local' ? 'Locally' : 'Remotely'}, {plural(b.plan.tenants, 'tenant job')}
          </span>
          <label className="check">
            Tenants at once
            <input
              type="number"
              min={1}
              max={16}
              value={b.concurrency}
              onChange={(e) => b.setConcurrency(Math.max(1, Math.min(16, Math.round(Number(e.target.value) || 1))))}
              data-testid="bulk-concurrency"
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={b.notify} onChange={(e) => b.setNotify(e.target.checked)} data-testid="bulk-notify" />
            Slack summary at the end (to the jobs’ own webhooks)
          </label>
          <button className="danger" onClick={() => setConfirming(true)} disabled={b.starting} data-testid="bulk-start">
            Replay…
          </button>
        </div>
      )}

      {confirming && b.plan && (
        <div className="bulk-dialog-backdrop">
          <div
            className="confirm bulk-dialog"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="bulk-confirm-title"
            data-testid="bulk-confirm"
            onKeyDown={(e) => e.key === 'Escape' && setConfirming(false)}
          >
            <strong id="bulk-confirm-title">Replays write to the customers’ destinations.</strong>
            <span>
              <strong data-testid="bulk-confirm-tenants">{plural(b.plan.tenants, 'tenant job')}</strong> will be replayed to{' '}
              <strong data-testid="bulk-confirm-destinations">{plural(b.plan.destinations.length, 'destination')}</strong>,{' '}
              {b.mode === 'local' ? 'locally' : 'remotely (each job runs on the cluster)'}, {b.concurrency} at a time, Slack summary{' '}
              {b.notify ? 'on' : 'off'}:
            </span>
            <ul className="bulk-dests">
              {b.plan.destinations.map((d) => (
                <li key={d} className="mono small">
                  {d}
                </li>
              ))}
            </ul>
            {b.plan.items.length > b.plan.tenants && (
              <span className="muted small">
                {plural(b.plan.items.length - b.plan.tenants, 'selected job')} cannot run and{' '}
                {b.plan.items.length - b.plan.tenants === 1 ? 'is' : 'are'} left out.
              </span>
            )}
            <div className="row">
              <button className="danger" onClick={() => void start()} autoFocus data-testid="bulk-confirm-yes">
                Replay {plural(b.plan.tenants, 'tenant')} to {plural(b.plan.destinations.length, 'destination')}
              </button>
              <button onClick={() => setConfirming(false)} data-testid="bulk-confirm-no">
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

/** The plan as the core made it: one row per selected job, with the reason a row cannot run. */
function PlanTable({ plan, stale, remote }: { plan: BulkPlan; stale: boolean; remote: boolean }) {
  return (
    <div className="bulk-preview" data-testid="bulk-preview-box" data-stale={stale}>
      <p data-testid="bulk-preview-summary" data-tenants={plan.tenants} data-destinations={plan.destinations.length}>
        {plural(plan.tenants, 'tenant job')} can run, to {plural(plan.destinations.length, 'destination')}
        {plan.items.length > plan.tenants ? `; ${plural(plan.items.length - plan.tenants, 'job')} cannot and will be left out` : ''}.
        {plan.estimateTotal !== undefined && (
          <span data-testid="bulk-preview-estimate">
            {' '}
            About {plan.estimateTotal.toLocaleString()} logs to replay
            {plan.unestimated ? ` (${plural(plan.unestimated, 'job')} without an estimate)` : ''}.
          </span>
        )}
        {stale && <span className="bad-text"> The selection or mode changed since: preview again.</span>}
      </p>
      <table className="grid bulk-table">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Job</th>
            <th scope="col">Destination</th>
            <th scope="col">Replay from</th>
            <th scope="col">Logs (estimate)</th>
            {remote && <th scope="col">On the cluster</th>}
            <th scope="col">Can run</th>
          </tr>
        </thead>
        <tbody>
          {plan.items.map((i) => (
            <tr
              key={keyOf(i)}
              className={i.problem ? 'bad' : ''}
              data-testid="bulk-preview-row"
              data-tenant={i.container}
              data-job={i.name}
              data-ok={!i.problem}
            >
              <td className="mono">{i.container}</td>
              <td className="mono">{i.name}</td>
              <td data-testid="bulk-preview-destination">{i.destination.label}</td>
              <td>
                <span className="mono" title={i.from ?? undefined} data-testid="bulk-preview-from" data-from={i.from ?? ''}>
                  {shortCp(i.from)}
                </span>
                <div className="muted small">{i.fromSource === 'none' ? '' : i.fromSource}</div>
              </td>
              <td className="bulk-estimate" title={i.estimateNote} data-testid="bulk-preview-estimate-cell">
                {i.estimate === null ? <span className="muted">not known</span> : `about ${i.estimate.toLocaleString()}`}
                {i.estimateNote && <div className="muted small">{i.estimateNote}</div>}
              </td>
              {remote && (
                <td className="small bulk-remote" data-testid="bulk-preview-remote" data-method={i.remote?.method ?? ''}>
                  {i.remote ? i.remote.note : '—'}
                </td>
              )}
              <td data-testid="bulk-preview-problem">
                {i.problem ? <span className="bad-text">{i.problem}</span> : 'yes'}
                {!i.problem && i.cronActive && (
                  <div className="muted small">Its schedule is on: if the cluster is running it, this tenant waits for it.</div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

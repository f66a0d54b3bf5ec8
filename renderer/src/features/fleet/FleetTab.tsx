import { useEffect, useMemo, useState } from 'react';
import type { FleetProgress, FleetRow } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell, type TabSpec } from '../../shell/store';
import { openBulk } from '../bulk/BulkTab';
import { failingExportsOf } from '../bulk/format';
import { openExports } from '../exports';
import { openLogTab } from '../logs';
import { useActiveProfile } from '../profiles/store';
import { openTenant } from '../tenants/TenantsPanel';
import { VirtualList } from '../webtasks/VirtualList';
import { COLUMNS, duration, visibleRows, type ColumnId } from './format';
import { SearchPanel } from './SearchPanel';
import { useFleet } from './store';

export const openFleet = () => useShell.getState().openTab({ id: 'fleet', kind: 'fleet', title: 'Fleet' });

const GRID = `${COLUMNS.map((c) => c.width).join(' ')} 260px`;

export function ProgressLine({ p, testId }: { p: FleetProgress | null; testId: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!p?.waitingUntil) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [p?.waitingUntil]);
  if (!p) return null;
  const total = p.total ?? 0;
  const waiting = p.waitingUntil && p.waitingUntil > now ? Math.ceil((p.waitingUntil - now) / 1000) : 0;
  return (
    <div className="fleet-progress" data-testid={testId} data-state={p.state} data-done={p.done} data-total={p.total ?? ''}>
      <progress max={total || 1} value={p.phase === 'discovering' ? undefined : p.done} />
      <span className="mono small">
        {p.phase === 'discovering' && p.state === 'running'
          ? `Discovering tenants… ${p.discovered.toLocaleString()} extensions so far`
          : `${p.done.toLocaleString()} / ${total.toLocaleString()} tenants`}
        {p.failed ? ` · ${p.failed} with problems` : ''} · {p.requests.toLocaleString()} requests
        {p.state === 'running' && p.etaMs !== null ? ` · about ${Math.max(1, Math.round(p.etaMs / 1000))} s left` : ''}
        {p.rateLimited ? ` · rate limited ${p.rateLimited}×${waiting ? `, waiting ${waiting} s` : ''}` : ''}
      </span>
      {p.state !== 'running' && p.message && <span className={`small ${p.state === 'failed' ? 'bad-text' : 'muted'}`}>{p.message}</span>}
    </div>
  );
}

function Cell({ row, id }: { row: FleetRow; id: ColumnId }) {
  switch (id) {
    case 'container':
      return <span className="mono">{row.container}</span>;
    case 'state':
      return (
        <span className={row.state === 'ok' ? 'muted' : 'bad-text'} title={row.problem}>
          {row.state}
        </span>
      );
    case 'auth0':
      return <span className="small">{COLUMNS[3]!.value(row) || '—'}</span>;
    case 'cron':
      return <span>{row.cron ? `${row.cron.active} / ${row.cron.inactive}` : '—'}</span>;
    case 'failing':
      return row.failing.length ? (
        <span
          className="bad-text small"
          title={row.failing.map((f) => `${f.name}: ${f.errorCount} errors, last HTTP ${f.statusCode ?? '?'}`).join('\n')}
        >
          {row.failing.map((f) => f.name).join(', ')}
        </span>
      ) : (
        <span className="muted">0</span>
      );
    case 'lag': {
      const threshold = useFleet.getState().settings.lagThresholdMin * 60_000;
      return (
        <span className={row.maxLagMs !== null && row.maxLagMs > threshold ? 'bad-text' : ''}>
          {row.exports.length ? duration(row.maxLagMs) : '—'}
        </span>
      );
    }
    case 'scanned':
      return <span className="small muted">{new Date(row.scannedAt).toLocaleTimeString()}</span>;
    default:
      return <span>{String(COLUMNS.find((c) => c.id === id)!.value(row))}</span>;
  }
}

/** Every tenant's health in one table (scan), and search across all of them. */
export function FleetTab({ tab: _tab }: { tab: TabSpec }) {
  const profile = useActiveProfile();
  const pid = profile?.id ?? null;
  const s = useFleet();
  const report = useShell((x) => x.report);
  const [section, setSection] = useState<'health' | 'search'>('health');
  const [sort, setSort] = useState<{ id: ColumnId; desc: boolean }>({ id: 'container', desc: false });
  const [filters, setFilters] = useState<Partial<Record<ColumnId, string>>>({});
  const [attention, setAttention] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  // Tenants picked for a bulk replay of their failing export jobs.
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    if (pid) void s.open(pid);
  }, [pid, s]);

  const all = useMemo(() => Object.values(s.rows), [s.rows]);
  const rows = useMemo(
    () => visibleRows(all, { filters, sort, attention, lagThresholdMs: s.settings.lagThresholdMin * 60_000 }),
    [all, filters, sort, attention, s.settings.lagThresholdMin],
  );
  const scanning = s.scanProgress?.state === 'running' || (s.scanId !== null && s.scanProgress === null);
  const replayable = useMemo(() => rows.filter((r) => failingExportsOf([r]).length > 0), [rows]);
  const pickedJobs = failingExportsOf(all.filter((r) => picked.has(r.container)));
  const pick = (container: string, on: boolean) =>
    setPicked((p) => {
      const next = new Set(p);
      if (on) next.add(container);
      else next.delete(container);
      return next;
    });

  if (!pid) return <div className="page">Choose a profile first.</div>;

  async function exportScan(format: 'csv' | 'json') {
    try {
      const r = await call('fleet.export', { profileId: pid!, what: 'scan', format });
      const out = await saveText(r.fileName, r.text, r.mime);
      if (out !== 'cancelled') report(`${r.fileName} ${out}.`, 'info');
    } catch (e) {
      report(errorOf(e));
    }
  }

  const sortBy = (id: ColumnId) => setSort((x) => ({ id, desc: x.id === id ? !x.desc : COLUMNS.find((c) => c.id === id)!.numeric }));

  return (
    <div className="page fleet-page" data-testid="fleet-view">
      <div className="toolbar">
        <h1>Fleet</h1>
        <div className="seg" role="tablist">
          {(['health', 'search'] as const).map((x) => (
            <button
              key={x}
              role="tab"
              aria-selected={section === x}
              className={section === x ? 'active' : ''}
              onClick={() => setSection(x)}
              data-testid={`fleet-section-${x}`}
            >
              {x === 'health' ? 'Health' : 'Search'}
            </button>
          ))}
        </div>
      </div>
      {s.error && (
        <div className="error" role="alert" data-testid="fleet-error">
          {s.error.message}
        </div>
      )}
      {section === 'search' ? (
        <SearchPanel />
      ) : (
        <>
          <div className="toolbar">
            <button onClick={() => void s.scan(false)} disabled={scanning} data-testid="fleet-scan">
              {all.length ? 'Scan again' : 'Scan all tenants'}
            </button>
            {scanning ? (
              <button onClick={() => void s.cancel(s.scanId)} data-testid="fleet-cancel">
                Cancel
              </button>
            ) : (
              !s.complete &&
              all.length > 0 && (
                <button onClick={() => void s.scan(true)} data-testid="fleet-resume">
                  Resume
                </button>
              )
            )}
            <label className="check">
              <input type="checkbox" checked={attention} onChange={(e) => setAttention(e.target.checked)} data-testid="fleet-attention" />
              Needs attention (failing jobs, export lag over {s.settings.lagThresholdMin} min)
            </label>
            <button
              className="link"
              onClick={() => setPicked(new Set(replayable.map((r) => r.container)))}
              disabled={!replayable.length}
              data-testid="fleet-pick-failing"
            >
              Select the failing export jobs shown ({replayable.length})
            </button>
            <button
              onClick={() => pid && openBulk(pid, pickedJobs)}
              disabled={!pickedJobs.length}
              title="Open the bulk replay with the failing export jobs of the selected tenants"
              data-testid="fleet-replay-selected"
            >
              Replay selected ({pickedJobs.length})…
            </button>
            <span className="grow" />
            <span className="muted small" data-testid="fleet-count" data-shown={rows.length} data-total={all.length}>
              {rows.length.toLocaleString()} of {all.length.toLocaleString()} tenants
              {s.scanAt ? ` · scan of ${new Date(s.scanAt).toLocaleString()}${s.complete ? '' : ' (incomplete)'}` : ''}
            </span>
            <button onClick={() => void exportScan('csv')} disabled={!all.length || scanning}>
              CSV
            </button>
            <button onClick={() => void exportScan('json')} disabled={!all.length || scanning}>
              JSON
            </button>
            <button className="icon" onClick={() => setShowSettings((v) => !v)} aria-label="Fleet settings" title="Settings">
              ⚙
            </button>
          </div>
          {showSettings && <Settings />}
          <ProgressLine p={s.scanProgress} testId="fleet-progress" />
          <div className="fleet-grid fleet-head" style={{ gridTemplateColumns: GRID }}>
            {COLUMNS.map((c) => (
              <div key={c.id} className="fleet-th">
                <button
                  className="link"
                  onClick={() => sortBy(c.id)}
                  data-testid={`fleet-sort-${c.id}`}
                  aria-sort={sort.id === c.id ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                >
                  {c.title}
                  {sort.id === c.id ? (sort.desc ? ' ▾' : ' ▴') : ''}
                </button>
                <input
                  value={filters[c.id] ?? ''}
                  onChange={(e) => setFilters((f) => ({ ...f, [c.id]: e.target.value }))}
                  placeholder={c.numeric ? (c.id === 'lag' ? '>60 (min)' : '>0') : 'filter'}
                  aria-label={`Filter ${c.title}`}
                  data-testid={`fleet-filter-${c.id}`}
                />
              </div>
            ))}
            <div className="fleet-th muted small">Open</div>
          </div>
          <VirtualList
            items={rows}
            rowHeight={30}
            className="fleet-list"
            testId="fleet-rows"
            renderRow={(r) => (
              <div
                className={`fleet-grid fleet-row ${r.state !== 'ok' ? 'fleet-row-bad' : ''}`}
                style={{ gridTemplateColumns: GRID }}
                data-testid="fleet-row"
                data-tenant={r.container}
                data-failing={r.failing.length}
                title={r.problem}
              >
                {COLUMNS.map((c) => (
                  <div key={c.id} className="fleet-td">
                    <Cell row={r} id={c.id} />
                  </div>
                ))}
                <div className="fleet-td fleet-actions">
                  {failingExportsOf([r]).length > 0 && (
                    <input
                      type="checkbox"
                      checked={picked.has(r.container)}
                      onChange={(e) => pick(r.container, e.target.checked)}
                      aria-label={`Select ${r.container}'s failing export jobs for a bulk replay`}
                      data-testid="row-pick"
                    />
                  )}
                  <button className="link" onClick={() => openTenant(pid, r.container)} data-testid="row-open-tenant">
                    tenant
                  </button>
                  <button
                    className="link"
                    onClick={() => openExports(pid, r.container)}
                    data-testid="row-open-exports"
                    disabled={!r.exports.length}
                  >
                    exports
                  </button>
                  <button className="link" onClick={() => openLogTab(r.container, { profileId: pid })} data-testid="row-open-logs">
                    logs
                  </button>
                  <button className="link" onClick={() => void s.refresh(r.container)} data-testid="row-refresh">
                    refresh
                  </button>
                </div>
              </div>
            )}
          />
          {!all.length && !scanning && (
            <p className="muted">No scan yet: “Scan all tenants” reads every tenant with this profile’s master token.</p>
          )}
        </>
      )}
    </div>
  );
}

function Settings() {
  const { settings, saveSettings } = useFleet();
  const [conc, setConc] = useState(String(settings.concurrency));
  const [lag, setLag] = useState(String(settings.lagThresholdMin));
  const valid = /^\d+$/.test(conc) && Number(conc) >= 1 && Number(conc) <= 64 && /^\d+$/.test(lag) && Number(lag) >= 1;
  return (
    <div className="row hint" data-testid="fleet-settings">
      <label className="check">
        Tenants at once <input value={conc} onChange={(e) => setConc(e.target.value)} size={3} data-testid="fleet-concurrency" />
      </label>
      <label className="check">
        Export lag threshold (min) <input value={lag} onChange={(e) => setLag(e.target.value)} size={5} data-testid="fleet-lag" />
      </label>
      <button disabled={!valid} onClick={() => void saveSettings({ concurrency: Number(conc), lagThresholdMin: Number(lag) })}>
        Save
      </button>
      {!valid && <span className="bad-text small">Tenants at once: 1 to 64; threshold: a whole number of minutes.</span>}
    </div>
  );
}

import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useShell, type TabSpec } from '../../shell/store';
import { fmtTime } from '../exports/format';
import { useActiveProfile } from '../profiles/store';
import { PlanSection } from './PlanSection';
import { useBulk } from './store';
import { WatchSection } from './WatchSection';

const TAB: TabSpec = { id: 'bulk', kind: 'bulk', title: 'Bulk replay' };

/** Opens the bulk replay tab; with jobs, pre-filled with them as the selection (the fleet view's "Replay selected"). */
export function openBulk(profileId: string, jobs?: Array<{ container: string; name: string }>) {
  if (jobs) useBulk.getState().prefill(profileId, jobs);
  useShell.getState().openTab({ ...TAB, params: { profileId } });
}

/** Bulk replays after an outage: plan a new one, or watch one of the journal's. */
export function BulkTab({ tab: _tab }: { tab: TabSpec }) {
  const profile = useActiveProfile();
  const pid = profile?.id ?? null;
  const open = useBulk((s) => s.open);
  const error = useBulk((s) => s.error);
  const clearError = useBulk((s) => s.clearError);
  const watching = useBulk((s) => s.watching);
  const watch = useBulk((s) => s.watch);
  const bulks = useBulk(useShallow((s) => Object.values(s.bulks)));
  const mine = useMemo(() => bulks.filter((b) => b.profileId === pid).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)), [bulks, pid]);
  const section = useBulk((s) => s.section);
  const setSection = useBulk((s) => s.show);

  useEffect(() => {
    if (pid) void open(pid);
  }, [pid, open]);

  if (!pid) return <div className="page">Choose a profile first.</div>;
  const view = watching ? mine.find((b) => b.bulkId === watching) : undefined;

  return (
    <div className="page bulk-page" data-testid="bulk-view">
      <div className="toolbar">
        <h1>Bulk replay</h1>
        <div className="seg" role="tablist" aria-label="Bulk replay sections">
          <button
            role="tab"
            aria-selected={section === 'plan'}
            className={section === 'plan' ? 'active' : ''}
            onClick={() => setSection('plan')}
            data-testid="bulk-section-plan"
          >
            New bulk replay
          </button>
          <button
            role="tab"
            aria-selected={section === 'watch'}
            className={section === 'watch' ? 'active' : ''}
            onClick={() => setSection('watch')}
            data-testid="bulk-section-watch"
          >
            Replays ({mine.length})
          </button>
        </div>
        {section === 'watch' && mine.length > 0 && (
          <label className="check">
            Replay
            <select value={view?.bulkId ?? ''} onChange={(e) => watch(e.target.value || null)} data-testid="bulk-pick">
              {!view && <option value="">Choose…</option>}
              {mine.map((b) => (
                <option key={b.bulkId} value={b.bulkId}>
                  {fmtTime(b.createdAt)} · {b.tenants.length} tenants · {b.state}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {error && (
        <div className="error" role="alert" data-testid="bulk-error">
          {error.message}{' '}
          <button className="link" onClick={clearError} aria-label="Dismiss the error">
            dismiss
          </button>
        </div>
      )}
      {section === 'plan' ? (
        <PlanSection profileId={pid} />
      ) : view ? (
        <WatchSection view={view} />
      ) : (
        <p className="muted">No bulk replay of this profile yet: plan one under “New bulk replay”.</p>
      )}
    </div>
  );
}

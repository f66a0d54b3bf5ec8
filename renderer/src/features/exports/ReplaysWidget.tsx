import { useShallow } from 'zustand/react/shallow';
import { openExports } from './ExportsTab';
import { fmtTime, n } from './format';
import { useExports } from './store';

/** Home: this session's local replays, so a running one is never out of sight when its tab is closed. */
export function ReplaysWidget() {
  const runs = useExports(useShallow((s) => Object.values(s.runs)));
  if (runs.length === 0) return null;
  const sorted = [...runs].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)).slice(0, 10);
  return (
    <section className="export-section" data-testid="replays-widget">
      <h2>Local replays</h2>
      <ul className="list">
        {sorted.map((r) => (
          <li key={r.runId}>
            <button className="link" onClick={() => openExports(r.profileId, r.container, r.name)}>
              {r.container} / {r.name}
            </button>{' '}
            <span className={`xbadge ${r.state === 'ok' ? 'ok' : r.state === 'running' ? '' : 'bad'}`}>{r.state}</span>{' '}
            <span className="muted small">
              {n(r.report?.processed ?? r.progress?.processed ?? 0)} logs, started {fmtTime(r.startedAt)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useState } from 'react';
import type { ExportJob } from '../../../../common/contract';
import { n } from './format';
import { HistoryRow } from './HistoryRow';
import { jobKey, useExports } from './store';

/** The job's last runs (cluster history and this console's runs), failures only on demand. */
export function History({ profileId, job, onUse }: { profileId: string; job: ExportJob; onUse(cp: string): void }) {
  const history = useExports((s) => s.history[jobKey(profileId, job.container, job.name)]);
  const loadHistory = useExports((s) => s.loadHistory);
  const [failuresOnly, setFailuresOnly] = useState(false);
  const runs = (history?.runs ?? []).filter((r) => !failuresOnly || r.type === 'error');
  return (
    <section className="export-section" data-testid="history">
      <div className="toolbar">
        <h2>History</h2>
        <label className="small">
          <input
            type="checkbox"
            checked={failuresOnly}
            onChange={(e) => setFailuresOnly(e.target.checked)}
            data-testid="history-failures"
          />{' '}
          Failures only
        </label>
        <button
          className="small"
          onClick={() => void loadHistory(profileId, job.container, job.name)}
          disabled={history?.loading}
          data-testid="history-refresh"
        >
          {history?.loading ? 'Loading…' : 'Refresh'}
        </button>
        <span className="muted small">last {n(history?.runs.length ?? 0)} runs (cluster history and this console's runs)</span>
      </div>
      {history?.error && <div className="error small">{history.error.message}</div>}
      <table className="grid small export-history">
        <thead>
          <tr>
            <th>When</th>
            <th>Source</th>
            <th>Status</th>
            <th>Duration</th>
            <th>Logs</th>
            <th>Checkpoint</th>
            <th>Error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {runs.map((r, i) => (
            <HistoryRow key={`${r.startedAt ?? r.scheduledAt ?? ''}-${i}`} r={r} onUse={onUse} />
          ))}
          {runs.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                {failuresOnly ? 'No failed run.' : 'No run yet.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

import { useEffect, useState } from 'react';
import { KNOWN_EXPORT_EXTENSIONS, type ExportJob } from '../../../../common/contract';
import { useShell, type TabSpec } from '../../shell/store';
import { openLogTab } from '../logs';
import { JobDetail } from './JobDetail';
import { JobRow } from './JobRow';
import { tenantKey, useExports } from './store';

export const openExports = (profileId: string, container: string, name?: string) =>
  useShell.getState().openTab({
    id: `exports:${profileId}:${container}`,
    kind: 'exports',
    title: `Exports · ${container}`,
    params: { profileId, container, ...(name ? { name } : {}) },
  });

const EMPTY: ExportJob[] = [];

/** A tenant's log-export jobs: state, schedule, last result; one selected job in detail below. */
export function ExportsTab({ tab }: { tab: TabSpec }) {
  const profileId = String(tab.params?.profileId ?? '');
  const container = String(tab.params?.container ?? '');
  const k = tenantKey(profileId, container);
  const jobs = useExports((s) => s.jobs[k]) ?? EMPTY;
  const loading = useExports((s) => s.loading[k]);
  const error = useExports((s) => s.errors[k]);
  const load = useExports((s) => s.load);
  const paramName = typeof tab.params?.name === 'string' ? tab.params.name : null;
  const [selected, setSelected] = useState<string | null>(paramName);
  // Opened again for another job (e.g. from the Home widget): follow it.
  const [seenParam, setSeenParam] = useState(paramName);
  if (paramName !== seenParam) {
    setSeenParam(paramName);
    setSelected(paramName);
  }

  useEffect(() => {
    void load(profileId, container);
  }, [profileId, container, load]);

  const current = jobs.find((j) => j.name === selected) ?? jobs[0];

  return (
    <div className="page exports-page" data-testid="exports-view" data-tenant={container}>
      <div className="toolbar">
        <h1>Exports · {container}</h1>
        <button onClick={() => void load(profileId, container)} disabled={loading} data-testid="exports-refresh">
          {loading ? 'Loading…' : 'Refresh'}
        </button>
        <button className="link muted small" onClick={() => openLogTab(container, { profileId })}>
          Live logs of {container}
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error.message} <button onClick={() => void load(profileId, container)}>Retry</button>
        </div>
      )}
      {!loading && !error && jobs.length === 0 && (
        <p className="muted" data-testid="exports-none">
          No log-export extension on {container} (looked for extensions whose meta names {KNOWN_EXPORT_EXTENSIONS.join(', ')} or a name
          added in the export settings).
        </p>
      )}
      {jobs.length > 0 && (
        <table className="grid export-jobs" data-testid="export-jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Destination</th>
              <th>Schedule</th>
              <th>State</th>
              <th>Next run</th>
              <th>Last result</th>
              <th>Runs / errors</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <JobRow key={j.name} profileId={profileId} job={j} selected={current?.name === j.name} onSelect={() => setSelected(j.name)} />
            ))}
          </tbody>
        </table>
      )}
      {current && <JobDetail key={current.name} profileId={profileId} job={current} />}
    </div>
  );
}

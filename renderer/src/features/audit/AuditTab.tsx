import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AuditEntry } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell } from '../../shell/store';
import { MAX } from '../../lib/limits';

const ACTIONS = ['', 'profile.', 'tenant.', 'webtask.inspect', 'webtask.invoke', 'secret.reveal', 'exports.', 'logs.'];
const SINCE: Record<string, number | null> = { any: null, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };

function detailText(d: AuditEntry['detail']): string {
  if (!d) return '';
  return Object.entries(d)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
}

/** The append-only log of support actions: who, profile, tenant, what, when; filterable, exportable as JSON lines. */
export function AuditTab() {
  const report = useShell((s) => s.report);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [action, setAction] = useState('');
  const [tenant, setTenant] = useState('');
  const [profile, setProfile] = useState('');
  const [since, setSince] = useState('any');
  const [outcome, setOutcome] = useState<'' | 'ok' | 'error'>('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const filters = useCallback(() => {
    const ms = SINCE[since];
    return {
      ...(action ? { action } : {}),
      ...(tenant ? { tenant } : {}),
      ...(profile ? { profile } : {}),
      ...(text ? { text } : {}),
      ...(ms ? { since: new Date(Date.now() - ms).toISOString() } : {}),
    };
  }, [action, tenant, profile, text, since]);

  const load = useCallback(
    () =>
      call('audit.list', { ...filters(), limit: 1000 }).then(
        (r) => {
          setEntries(r.entries);
          setTotal(r.total);
          setError(null);
        },
        (e: unknown) => setError(errorOf(e).message),
      ),
    [filters],
  );

  // The tab stays mounted while hidden: refresh whenever it is shown again.
  const shown_ = useShell((s) => s.activeTab === 'audit');
  useEffect(() => {
    if (shown_) void load();
  }, [load, shown_]);

  const shown = useMemo(() => (outcome ? entries.filter((e) => e.outcome === outcome) : entries), [entries, outcome]);
  const profiles = useMemo(() => [...new Set(entries.map((e) => e.profile).filter(Boolean))] as string[], [entries]);

  async function exportJsonl() {
    try {
      const r = await call('audit.export', filters());
      await saveText(r.fileName, r.jsonl, 'application/x-ndjson');
    } catch (e) {
      report(errorOf(e));
    }
  }

  return (
    <div className="page" data-testid="audit-view">
      <div className="toolbar">
        <h1>Audit log</h1>
        <select value={action} onChange={(e) => setAction(e.target.value)} aria-label="Filter by action" data-testid="audit-action">
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a ? a.replace(/\.$/, '.*') : 'All actions'}
            </option>
          ))}
        </select>
        <input
          placeholder="Tenant"
          value={tenant}
          onChange={(e) => setTenant(e.target.value)}
          aria-label="Filter by tenant"
          maxLength={MAX.containerName}
          data-testid="audit-tenant"
        />
        <input
          placeholder="Profile"
          value={profile}
          onChange={(e) => setProfile(e.target.value)}
          aria-label="Filter by profile"
          maxLength={MAX.profileName}
          list="audit-profiles"
        />
        <datalist id="audit-profiles">
          {profiles.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <select value={since} onChange={(e) => setSince(e.target.value)} aria-label="Since">
          <option value="any">Any time</option>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
        </select>
        <select value={outcome} onChange={(e) => setOutcome(e.target.value as '' | 'ok' | 'error')} aria-label="Outcome">
          <option value="">Any outcome</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
        <input
          placeholder="Search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="Search audit entries"
          maxLength={MAX.search}
        />
        <button onClick={() => void load()}>Refresh</button>
        <button onClick={() => void exportJsonl()} data-testid="audit-export">
          Export JSON lines
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error} <button onClick={() => void load()}>Retry</button>
        </div>
      )}
      <p className="muted small">
        {shown.length} of {total} entries · tokens and secret values are never recorded
      </p>
      <table className="grid audit-grid">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Profile</th>
            <th>Tenant</th>
            <th>Action</th>
            <th>Target</th>
            <th>Outcome</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e, i) => (
            <tr key={`${e.at}-${i}`} data-testid="audit-row" data-action={e.action} className={e.outcome === 'error' ? 'bad' : ''}>
              <td className="mono" title={e.at}>
                {new Date(e.at).toLocaleString()}
              </td>
              <td>{e.who}</td>
              <td>{e.profile ?? ''}</td>
              <td className="mono">{e.tenant ?? ''}</td>
              <td className="mono">{e.action}</td>
              <td className="mono">{e.target ?? ''}</td>
              <td>{e.outcome}</td>
              <td className="mono small audit-detail">{detailText(e.detail)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

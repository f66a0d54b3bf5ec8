import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry } from '../../../../shared/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell } from '../../shell/store';

/** The append-only log of support actions: filterable, exportable as JSON lines. */
export function AuditTab() {
  const report = useShell((s) => s.report);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [action, setAction] = useState('');
  const [tenant, setTenant] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const filters = useCallback(
    () => ({ ...(action ? { action } : {}), ...(tenant ? { tenant } : {}), ...(text ? { text } : {}) }),
    [action, tenant, text],
  );

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

  useEffect(() => {
    void load();
  }, [load]);

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
        <input placeholder="Action (e.g. secret.reveal)" value={action} onChange={(e) => setAction(e.target.value)} aria-label="Filter by action" />
        <input placeholder="Tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} aria-label="Filter by tenant" />
        <input placeholder="Search" value={text} onChange={(e) => setText(e.target.value)} aria-label="Search audit entries" />
        <button onClick={() => void load()}>Refresh</button>
        <button onClick={() => void exportJsonl()}>Export JSON lines</button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error} <button onClick={() => void load()}>Retry</button>
        </div>
      )}
      <p className="muted small">
        {entries.length} of {total} entries
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Profile</th>
            <th>Tenant</th>
            <th>Target</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.at}-${i}`} data-testid="audit-row" className={e.outcome === 'error' ? 'bad' : ''}>
              <td className="mono">{new Date(e.at).toLocaleString()}</td>
              <td>{e.who}</td>
              <td className="mono">{e.action}</td>
              <td>{e.profile ?? ''}</td>
              <td>{e.tenant ?? ''}</td>
              <td className="mono">{e.target ?? ''}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DiagnosticsEntry, DiagnosticsSettings, DiagnosticsStore, Input } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell } from '../../shell/store';
import { EntryDetail } from './EntryDetail';

export const DIAGNOSTICS_TAB = { id: 'diagnostics', kind: 'diagnostics', title: 'Diagnostics log' };
export const openDiagnostics = () => useShell.getState().openTab(DIAGNOSTICS_TAB);

type Query = Omit<Input<'diagnostics.list'>, 'limit'>;
const STATUS = ['', '2xx', '3xx', '4xx', '5xx', 'none'] as const;

interface Facets {
  tenants: string[];
  extensions: string[];
  sources: string[];
}

function Row({ e, active, onPick }: { e: DiagnosticsEntry; active: boolean; onPick: () => void }) {
  const bad = e.status === undefined || e.status >= 500;
  const inv = e.kind === 'invocation' ? e : undefined;
  const dis = e.kind === 'discovery' ? e : undefined;
  return (
    <tr
      className={`${bad ? 'bad' : ''} ${active ? 'active' : ''} diag-row`}
      data-testid="diag-row"
      data-kind={e.kind}
      data-tenant={inv?.tenant ?? dis?.tenant ?? ''}
      data-extension={inv?.extension ?? ''}
      data-status={e.status ?? 'none'}
      onClick={onPick}
    >
      <td className="mono" title={e.at}>
        {new Date(e.at).toLocaleString()}
      </td>
      <td>{e.profile}</td>
      <td className="mono">{inv ? inv.tenant : (dis?.tenant ?? '(all)')}</td>
      <td className="mono">{inv ? inv.extension : dis?.scope === 'extensions' ? 'extension discovery' : 'tenant discovery'}</td>
      <td className="mono">{inv ? `${inv.method} ${inv.path}` : `GET /api/webtask${dis?.tenant ? `/${dis.tenant}` : ''}`}</td>
      <td>{e.status ?? e.error?.code ?? '-'}</td>
      <td>{e.elapsedMs}</td>
      <td>{inv ? (inv.diagnostics.source ?? '-') : ''}</td>
      <td className="mono small">{inv ? (inv.diagnostics.statsHeader ?? '-') : ''}</td>
      <td>{inv ? `${inv.response.size} B` : `${e.kind === 'discovery' ? e.found : 0} found`}</td>
    </tr>
  );
}

/** Every invocation and discovery call, across profiles and tenants: search, filter, export, act on an entry. */
export function DiagnosticsTab() {
  const report = useShell((s) => s.report);
  const shown = useShell((s) => s.activeTab === DIAGNOSTICS_TAB.id);
  const [text, setText] = useState('');
  const [kind, setKind] = useState<'' | 'invocation' | 'discovery'>('');
  const [tenant, setTenant] = useState('');
  const [extension, setExtension] = useState('');
  const [status, setStatus] = useState<(typeof STATUS)[number]>('');
  const [source, setSource] = useState('');
  const [entries, setEntries] = useState<DiagnosticsEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [facets, setFacets] = useState<Facets>({ tenants: [], extensions: [], sources: [] });
  const [store, setStore] = useState<DiagnosticsStore | null>(null);
  const [settings, setSettings] = useState<DiagnosticsSettings | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const query = useMemo<Query>(
    () => ({
      ...(text.trim() ? { text: text.trim() } : {}),
      ...(kind ? { kind } : {}),
      ...(tenant ? { tenant } : {}),
      ...(extension ? { extension } : {}),
      ...(status ? { statusClass: status } : {}),
      ...(source ? { source } : {}),
    }),
    [text, kind, tenant, extension, status, source],
  );

  const load = useCallback(
    () =>
      call('diagnostics.list', { ...query, limit: 1000 }).then(
        (r) => {
          setEntries(r.entries);
          setTotal(r.total);
          setFacets(r.facets);
          setStore(r.store);
          setError(null);
        },
        (e: unknown) => setError(errorOf(e).message),
      ),
    [query],
  );

  useEffect(() => {
    if (!shown) return;
    // Typing in the search box waits for a pause before asking the core.
    const t = setTimeout(() => void load(), 200);
    return () => clearTimeout(t);
  }, [load, shown]);

  useEffect(() => {
    if (shown)
      call('diagnostics.settings', {}).then(
        (s) => setSettings(s),
        (e: unknown) => report(errorOf(e)),
      );
  }, [shown, report]);

  async function exportAs(format: 'jsonl' | 'csv') {
    try {
      const r = await call('diagnostics.export', { ...query, format });
      await saveText(r.fileName, r.content, format === 'csv' ? 'text/csv' : 'application/x-ndjson');
      report(`${r.count} entr${r.count === 1 ? 'y' : 'ies'} exported as ${r.fileName}.`, 'info');
    } catch (e) {
      report(errorOf(e));
    }
  }

  async function keepBodies(on: boolean) {
    try {
      setSettings(await call('diagnostics.saveSettings', { keepBodies: on }));
    } catch (e) {
      report(errorOf(e));
    }
  }

  async function clear() {
    if (!window.confirm('Delete the whole diagnostics log from this machine?')) return;
    try {
      const r = await call('diagnostics.clear', {});
      report(`${r.removed} entries deleted.`, 'info');
      setPicked(null);
      await load();
    } catch (e) {
      report(errorOf(e));
    }
  }

  const current = entries.find((e) => e.id === picked) ?? null;
  const scoped = Boolean(tenant || extension || source);

  return (
    <div className="page diag-page" data-testid="diag-view">
      <div className="toolbar">
        <h1>Diagnostics log</h1>
        <input
          placeholder="Search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="Search the diagnostics log"
          data-testid="diag-search"
        />
        <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} aria-label="Kind" data-testid="diag-kind">
          <option value="">Invocations and discoveries</option>
          <option value="invocation">Invocations</option>
          <option value="discovery">Discovery calls</option>
        </select>
        <select
          value={tenant}
          onChange={(e) => {
            setTenant(e.target.value);
            setExtension('');
          }}
          aria-label="Tenant"
          data-testid="diag-tenant"
        >
          <option value="">All tenants</option>
          {facets.tenants.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <select value={extension} onChange={(e) => setExtension(e.target.value)} aria-label="Extension" data-testid="diag-extension">
          <option value="">All extensions</option>
          {facets.extensions.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
        <select
          value={status}
          onChange={(e) => setStatus(e.target.value as typeof status)}
          aria-label="Status class"
          data-testid="diag-status"
        >
          {STATUS.map((s) => (
            <option key={s} value={s}>
              {s === '' ? 'Any status' : s === 'none' ? 'No response' : s}
            </option>
          ))}
        </select>
        <select value={source} onChange={(e) => setSource(e.target.value)} aria-label="Response source" data-testid="diag-source">
          <option value="">Any response source</option>
          {[...new Set(['webtask', 'compiler', 'proxy', 'network', ...facets.sources])].map((s) => (
            <option key={s} value={s}>
              {s === 'none' ? 'no x-wt-response-source' : s}
            </option>
          ))}
        </select>
        <button onClick={() => void load()}>Refresh</button>
        <button onClick={() => void exportAs('jsonl')} data-testid="diag-export-jsonl">
          Export JSON lines
        </button>
        <button onClick={() => void exportAs('csv')} data-testid="diag-export-csv">
          Export CSV
        </button>
      </div>
      <div className="row diag-settings">
        <label className="check">
          <input
            type="checkbox"
            checked={settings?.keepBodies ?? false}
            disabled={!settings}
            onChange={(e) => void keepBodies(e.target.checked)}
            data-testid="diag-keep-bodies"
          />
          Keep body excerpts (first {settings?.excerptChars ?? 4096} characters of each response and the request body, redacted). Off by
          default: bodies may hold customer data.
        </label>
        <button className="link" onClick={() => void clear()} data-testid="diag-clear">
          Delete the log
        </button>
      </div>
      <p className="muted small" data-testid="diag-store-statement">
        {store?.statement} Tokens (every webtask&apos;s token field, anything token-shaped) are removed before an entry is written.
      </p>
      {error && (
        <div className="error" role="alert">
          {error} <button onClick={() => void load()}>Retry</button>
        </div>
      )}
      <p className="muted small" data-testid="diag-count">
        {entries.length} of {total} entries
        {scoped ? " · tenant, extension and source filters show invocations (and a tenant's extension discoveries)" : ''}
      </p>
      <div className="diag-split">
        <div className="diag-table">
          <table className="grid">
            <thead>
              <tr>
                <th>When</th>
                <th>Profile</th>
                <th>Tenant</th>
                <th>Extension</th>
                <th>Request</th>
                <th>Status</th>
                <th>ms</th>
                <th>Source</th>
                <th>Stats header</th>
                <th>Size</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <Row key={e.id} e={e} active={e.id === picked} onPick={() => setPicked(e.id)} />
              ))}
            </tbody>
          </table>
        </div>
        {current && <EntryDetail entry={current} onRepeated={() => void load()} />}
      </div>
    </div>
  );
}

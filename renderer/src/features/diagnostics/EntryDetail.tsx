import { useState } from 'react';
import type { DiagnosticsEntry, DiscoveryEntry, InvocationEntry, InvocationRecord } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { KeyValues } from '../webtasks/KeyValues';
import { openWebtask } from '../webtasks/TenantTab';

const copy = (text: string, what: string) =>
  void navigator.clipboard.writeText(text).then(
    () => useShell.getState().report(what, 'info'),
    () => useShell.getState().report('The clipboard refused the copy.'),
  );

/** The same call again, from what the entry kept: credential headers are not kept, so they are not sent. */
async function repeat(e: InvocationEntry): Promise<InvocationRecord> {
  return call('webtasks.invoke', {
    profileId: e.profileId,
    container: e.tenant,
    name: e.extension,
    method: e.method as 'GET',
    path: e.path === '/' ? '' : e.path,
    query: e.query.filter((q) => q.value !== '[redacted]'),
    headers: e.requestHeaders.filter((h) => h.value !== '[redacted]'),
    ...(e.requestBody !== undefined ? { body: e.requestBody } : {}),
    withProfileToken: e.withProfileToken,
  });
}

function Invocation({ e, onRepeated }: { e: InvocationEntry; onRepeated: () => void }) {
  const report = useShell((s) => s.report);
  const [busy, setBusy] = useState(false);
  const [again, setAgain] = useState<InvocationRecord | null>(null);
  const dropped = e.requestHeaders.filter((h) => h.value === '[redacted]').length + e.query.filter((q) => q.value === '[redacted]').length;
  async function run() {
    setBusy(true);
    try {
      setAgain(await repeat(e));
      onRepeated();
    } catch (err) {
      report(errorOf(err));
    } finally {
      setBusy(false);
    }
  }
  const d = e.diagnostics;
  return (
    <>
      <div className="row">
        <button onClick={() => openWebtask(e.profileId, e.tenant, e.extension)} data-testid="diag-open">
          Open extension
        </button>
        <button onClick={() => void run()} disabled={busy} data-testid="diag-repeat">
          {busy ? 'Calling…' : 'Repeat the call'}
        </button>
        <button onClick={() => copy(e.curl, 'Copied as curl (set WT_TOKEN yourself).')} data-testid="diag-curl">
          Copy as curl
        </button>
      </div>
      {(dropped > 0 || (!e.bodiesKept && e.method !== 'GET')) && (
        <p className="muted small">
          A repeat sends what the log kept
          {dropped > 0 ? `: ${dropped} credential header${dropped === 1 ? '' : 's'} or parameter${dropped === 1 ? '' : 's'} left out` : ''}
          {!e.bodiesKept && e.method !== 'GET' ? '; the request body was not kept' : ''}.
        </p>
      )}
      {again && (
        <p data-testid="diag-repeat-result">
          Repeated:{' '}
          <strong className={again.status !== undefined && again.status < 400 ? 'ok-text' : 'bad-text'}>
            {again.status !== undefined ? `HTTP ${again.status}` : (again.error?.message ?? 'no response')}
          </strong>{' '}
          in {again.elapsedMs} ms · {again.diagnostics.source ?? 'no source header'} (a new entry above)
        </p>
      )}
      <p>
        <span className={`badge src-${d.source ?? 'none'}`}>{d.source ?? 'no source header'}</span> {d.reading}
      </p>
      {e.error && <p className="bad">{e.error.message}</p>}
      {d.problems.map((p, i) => (
        <p key={i} className="hint warn small">
          {p}
        </p>
      ))}
      <div className="row diag-stats-row">
        <div>
          <h4>x-auth0-proxy-stats</h4>
          {d.proxyStats ? <KeyValues data={d.proxyStats} /> : <p className="muted small">not sent</p>}
        </div>
        <div data-testid="diag-stats" data-header={d.statsHeader ?? 'none'}>
          <h4>{d.statsHeader ?? 's-auth0-stats / x-auth0-stats'}</h4>
          {d.stats ? <KeyValues data={d.stats} /> : <p className="muted small">not sent</p>}
        </div>
      </div>
      <p className="muted small mono">{e.curl}</p>
      {e.bodiesKept ? (
        <>
          <h4>Response excerpt{e.response.excerptTruncated ? ` (first part of ${e.response.size} bytes)` : ''}</h4>
          <pre className="body-view">{e.response.excerpt}</pre>
        </>
      ) : (
        <p className="muted small">Bodies were not kept for this entry ({e.response.size} bytes answered).</p>
      )}
    </>
  );
}

function Discovery({ e }: { e: DiscoveryEntry }) {
  const report = useShell((s) => s.report);
  const [full, setFull] = useState<DiscoveryEntry | null>(null);
  async function load() {
    try {
      const r = await call('diagnostics.get', { id: e.id });
      if (r.kind === 'discovery') setFull(r);
    } catch (err) {
      report(errorOf(err));
    }
  }
  const text = full
    ? JSON.stringify(
        full.pages.map((p) => p.response ?? p.notKept ?? null),
        null,
        2,
      )
    : '';
  const LIMIT = 200_000;
  return (
    <>
      <p>
        {e.state}: {e.message} {e.found} extensions in {e.tenants} tenants, {e.pages.length} page{e.pages.length === 1 ? '' : 's'}.
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>Request</th>
            <th>Status</th>
            <th>ms</th>
            <th>Bytes</th>
            <th>Items</th>
          </tr>
        </thead>
        <tbody>
          {e.pages.map((p, i) => (
            <tr key={i}>
              <td className="mono small">
                {p.request.method} {p.request.url}
              </td>
              <td>{p.status ?? p.error}</td>
              <td>{p.elapsedMs}</td>
              <td>{p.size}</td>
              <td>{p.items}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!full ? (
        <button onClick={() => void load()} data-testid="diag-discovery-load">
          Show the stored response
        </button>
      ) : (
        <>
          <p className="muted small">
            The entire answer as stored: each extension&apos;s token field removed, anything token-shaped redacted.
          </p>
          <pre className="body-view" data-testid="diag-discovery-response">
            {text.length > LIMIT
              ? `${text.slice(0, LIMIT)}\n… (${text.length - LIMIT} more characters: export the entry as JSON lines for all of it)`
              : text}
          </pre>
        </>
      )}
    </>
  );
}

export function EntryDetail({ entry, onRepeated }: { entry: DiagnosticsEntry; onRepeated: () => void }) {
  return (
    <section className="diag-detail" data-testid="diag-detail" data-id={entry.id}>
      <h3>
        {entry.kind === 'invocation'
          ? `${entry.method} ${entry.tenant}/${entry.extension}${entry.path === '/' ? '' : entry.path}`
          : entry.scope === 'extensions'
            ? `Extension discovery in ${entry.tenant ?? ''}`
            : 'Tenant discovery'}{' '}
        <span className="muted small">
          {new Date(entry.at).toLocaleString()} · {entry.profile}
        </span>
      </h3>
      {entry.kind === 'invocation' ? (
        <Invocation key={entry.id} e={entry} onRepeated={onRepeated} />
      ) : (
        <Discovery key={entry.id} e={entry} />
      )}
    </section>
  );
}

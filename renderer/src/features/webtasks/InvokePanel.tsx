import { useCallback, useEffect, useState } from 'react';
import type { ApiError, InvocationRecord } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { KeyValues } from './KeyValues';
import { MAX } from '../../lib/limits';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

interface Pair {
  name: string;
  value: string;
}

function Pairs({ label, pairs, onChange, testId }: { label: string; pairs: Pair[]; onChange: (p: Pair[]) => void; testId: string }) {
  return (
    <fieldset className="pairs" data-testid={testId}>
      <legend>{label}</legend>
      {pairs.map((p, i) => (
        <div className="row" key={i}>
          <input
            placeholder="name"
            value={p.name}
            aria-label={`${label} name`}
            maxLength={MAX.headerName}
            onChange={(e) => onChange(pairs.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
          />
          <input
            placeholder="value"
            value={p.value}
            aria-label={`${label} value`}
            maxLength={MAX.headerValue}
            onChange={(e) => onChange(pairs.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
          />
          <button type="button" className="icon" aria-label={`Remove ${label}`} onClick={() => onChange(pairs.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...pairs, { name: '', value: '' }])}>
        + {label}
      </button>
    </fieldset>
  );
}

const fmtBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);

function Stats({ title, value }: { title: string; value?: Record<string, unknown> }) {
  if (!value) return null;
  return (
    <div className="diag-stats">
      <h4>{title}</h4>
      <KeyValues data={value} />
    </div>
  );
}

export function InvocationView({ rec, onRetry }: { rec: InvocationRecord; onRetry?: () => void }) {
  const report = useShell((s) => s.report);
  const body = rec.body.pretty ?? rec.body.text;
  return (
    <div className="invocation" data-testid="invocation" data-status={rec.status ?? 'none'}>
      <div className="row inv-summary">
        {rec.status !== undefined ? (
          <strong className={rec.status < 400 ? 'ok-text' : 'bad-text'} data-testid="inv-status">
            HTTP {rec.status}
          </strong>
        ) : (
          <strong className="bad-text" data-testid="inv-status">
            No response
          </strong>
        )}
        <span data-testid="inv-time">{rec.elapsedMs} ms</span>
        <span className="muted">{fmtBytes(rec.body.size)}</span>
        <span className="muted">{new Date(rec.at).toLocaleTimeString()}</span>
        <button
          onClick={() =>
            void navigator.clipboard.writeText(rec.curl).then(
              () => report('Copied as curl (set WT_TOKEN yourself).', 'info'),
              () => report('The clipboard refused the copy.'),
            )
          }
          data-testid="copy-curl"
        >
          Copy as curl
        </button>
        {onRetry && <button onClick={onRetry}>Retry</button>}
      </div>
      {rec.error && (
        <div className="error" role="alert" data-testid="inv-error">
          {rec.error.message}
        </div>
      )}
      <section className="diagnostics" data-testid="diagnostics" data-source={rec.diagnostics.source ?? 'none'}>
        <h3>Diagnostics</h3>
        <p>
          <span className={`badge src-${rec.diagnostics.source ?? 'none'}`}>{rec.diagnostics.source ?? 'no source header'}</span>{' '}
          <span data-testid="diag-reading">{rec.diagnostics.reading}</span>
        </p>
        {rec.diagnostics.reqId && (
          <p className="muted small">
            request id <span className="mono">{rec.diagnostics.reqId}</span>
          </p>
        )}
        {rec.diagnostics.problems.map((p, i) => (
          <p key={i} className="hint warn small">
            {p}
          </p>
        ))}
        <div className="row">
          <Stats title="x-auth0-proxy-stats" value={rec.diagnostics.proxyStats} />
          <Stats title={rec.diagnostics.statsHeader ?? 'x-auth0-stats'} value={rec.diagnostics.stats} />
        </div>
      </section>
      <details>
        <summary>Response headers ({Object.keys(rec.responseHeaders).length})</summary>
        <table className="kv">
          <tbody>
            {Object.entries(rec.responseHeaders).map(([k, v]) => (
              <tr key={k}>
                <th className="mono">{k}</th>
                <td className="mono">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <h3>Body {rec.body.pretty ? '(JSON)' : rec.body.contentType ? `(${rec.body.contentType})` : ''}</h3>
      <p className="muted small">The extension&apos;s secret values are shown as [secret NAME]; reveal them in Overview.</p>
      {rec.body.truncated && (
        <p className="hint warn small" data-testid="inv-truncated">
          The body is {fmtBytes(rec.body.size)}: showing the first {fmtBytes(rec.body.text.length)}.
        </p>
      )}
      <pre className="body-view" data-testid="inv-body">
        {body}
      </pre>
    </div>
  );
}

/** Calls the extension; each call is audited and kept (redacted) in the core's history. */
export function InvokePanel({ profileId, container, name }: { profileId: string; container: string; name: string }) {
  const [method, setMethod] = useState<Method>('GET');
  const [path, setPath] = useState('');
  const [query, setQuery] = useState<Pair[]>([]);
  const [headers, setHeaders] = useState<Pair[]>([]);
  const [body, setBody] = useState('');
  const [withToken, setWithToken] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [current, setCurrent] = useState<InvocationRecord | null>(null);
  const [history, setHistory] = useState<InvocationRecord[]>([]);

  const loadHistory = useCallback(
    () =>
      call('webtasks.history', { profileId, container, name }).then(
        (r) => setHistory(r.entries),
        (e: unknown) => setError(errorOf(e)),
      ),
    [profileId, container, name],
  );
  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  async function send() {
    setBusy(true);
    setError(null);
    try {
      const rec = await call('webtasks.invoke', {
        profileId,
        container,
        name,
        method,
        path,
        query: query.filter((q) => q.name),
        headers: headers.filter((h) => h.name),
        body: body || undefined,
        withProfileToken: withToken,
      });
      setCurrent(rec);
      setError(null);
      void loadHistory();
    } catch (e) {
      // The new error takes the place of the previous, unrelated response.
      setCurrent(null);
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  }

  function replay(rec: InvocationRecord) {
    setMethod(rec.request.method as Method);
    setPath(rec.request.path);
    setQuery(rec.request.query);
    setHeaders(rec.request.headers.filter((h) => h.value !== '[redacted]'));
    setBody(rec.request.body ?? '');
    setWithToken(rec.request.withProfileToken);
    setCurrent(rec);
    setError(null);
  }

  return (
    <div className="invoke" data-testid="invoke-panel">
      <form
        className="invoke-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <div className="row">
          <select value={method} onChange={(e) => setMethod(e.target.value as Method)} aria-label="Method" data-testid="inv-method">
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <span className="mono muted">
            /api/run/{container}/{name}
          </span>
          <input
            className="grow mono"
            placeholder="/path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            aria-label="Path"
            data-testid="inv-path"
            maxLength={MAX.path}
          />
          <button type="submit" className="primary" disabled={busy} data-testid="inv-send">
            {busy ? 'Calling…' : 'Send'}
          </button>
        </div>
        <div className="row">
          <Pairs label="Query" pairs={query} onChange={setQuery} testId="inv-query" />
          <Pairs label="Header" pairs={headers} onChange={setHeaders} testId="inv-headers" />
        </div>
        {method !== 'GET' && method !== 'HEAD' && (
          <textarea
            className="mono"
            rows={5}
            placeholder="Body"
            value={body}
            onChange={(e) => setBody(e.target.value)}
            aria-label="Body"
            data-testid="inv-body-input"
            maxLength={MAX.body}
          />
        )}
        <label className="check">
          <input type="checkbox" checked={withToken} onChange={(e) => setWithToken(e.target.checked)} />
          Send the profile&apos;s token (for extensions that require webtask authentication; the extension&apos;s code can read it, so only
          for extensions you trust)
        </label>
      </form>
      {error && (
        <div className="error" role="alert">
          {error.message} <button onClick={() => void send()}>Retry</button>
        </div>
      )}
      {current && <InvocationView rec={current} onRetry={() => void send()} />}
      <section className="inv-history" data-testid="inv-history">
        <h3>
          History ({history.length}){' '}
          {history.length > 0 && (
            <button
              className="inline"
              onClick={() =>
                void call('webtasks.clearHistory', { profileId, container, name }).then(
                  () => loadHistory(),
                  (e: unknown) => setError(errorOf(e)),
                )
              }
            >
              Clear
            </button>
          )}
        </h3>
        <p className="muted small">Kept by the console without tokens, Authorization headers or secret values.</p>
        <ul className="list">
          {history.map((h) => (
            <li key={h.id} className={current?.id === h.id ? 'active' : ''}>
              <button className="link grow mono small" onClick={() => replay(h)} data-testid="history-item">
                {new Date(h.at).toLocaleTimeString()} {h.request.method} {h.request.path || '/'} → {h.status ?? h.error?.code} ·{' '}
                {h.elapsedMs} ms · {h.diagnostics.source ?? '-'}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

import { useCallback, useEffect, useState } from 'react';
import type { ApiError, Inspection } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell, type TabSpec } from '../../shell/store';
import { CodeView } from './CodeView';
import { InvokePanel } from './InvokePanel';
import { KeyValues } from './KeyValues';

type Section = 'overview' | 'code' | 'invoke';

function Secrets({ ins, profileId }: { ins: Inspection; profileId: string }) {
  const [shown, setShown] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  async function reveal(key: string) {
    setBusy(key);
    setError(null);
    try {
      // One call per reveal: each is its own audit entry.
      const r = await call('webtasks.revealSecret', { profileId, container: ins.container, name: ins.name, key });
      setShown((s) => ({ ...s, [key]: r.value }));
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(null);
    }
  }
  if (ins.secretKeys.length === 0) return <p className="muted">No secrets.</p>;
  return (
    <>
      {error && (
        <div className="error" role="alert">
          {error.message}
        </div>
      )}
      <table className="kv secrets" data-testid="secrets">
        <tbody>
          {ins.secretKeys.map((k) => (
            <tr key={k} data-testid="secret-row" data-key={k}>
              <th className="mono">{k}</th>
              <td className="mono">
                {shown[k] !== undefined ? <span data-testid="secret-value">{shown[k]}</span> : <span className="muted">••••••••</span>}
              </td>
              <td>
                {shown[k] !== undefined ? (
                  <button onClick={() => setShown(({ [k]: _gone, ...rest }) => rest)}>Hide</button>
                ) : (
                  <button onClick={() => void reveal(k)} disabled={busy === k} data-testid="secret-reveal">
                    Reveal
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Each reveal is recorded in the audit log (the key, never the value).</p>
    </>
  );
}

/** One extension: meta, claims, secrets, code, and the invoke console. */
export function WebtaskTab({ tab }: { tab: TabSpec }) {
  const profileId = String(tab.params?.profileId ?? '');
  const container = String(tab.params?.container ?? '');
  const name = String(tab.params?.name ?? '');
  const report = useShell((s) => s.report);
  const [ins, setIns] = useState<Inspection | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const line = Number(tab.params?.line) || undefined;
  const [section, setSection] = useState<Section>(line ? 'code' : 'overview');
  // Opened again at another line (a search hit): show the code there.
  const [shownLine, setShownLine] = useState(line);
  if (line !== shownLine) {
    setShownLine(line);
    if (line) setSection('code');
  }

  // State is set only in the callbacks, so the effect can start it without cascading renders.
  const fetchIt = useCallback(
    () =>
      call('webtasks.inspect', { profileId, container, name }).then(
        (r) => {
          setIns(r);
          setError(null);
          setLoading(false);
        },
        (e: unknown) => {
          setError(errorOf(e));
          setLoading(false);
        },
      ),
    [profileId, container, name],
  );
  useEffect(() => {
    void fetchIt();
  }, [fetchIt]);
  const load = () => {
    setLoading(true);
    void fetchIt();
  };

  async function save() {
    if (!ins?.code) return;
    try {
      const r = await saveText(`${name}.js`, ins.code.text, 'text/javascript');
      if (r !== 'cancelled') report(r === 'downloaded' ? `${name}.js downloaded.` : `${name}.js saved.`, 'info');
    } catch (e) {
      report(errorOf(e));
    }
  }

  return (
    <div className="page webtask-page" data-testid="webtask-view" data-name={name}>
      <div className="toolbar">
        <h1 className="mono">
          {container}/{name}
        </h1>
        <div className="seg" role="tablist">
          {(['overview', 'code', 'invoke'] as const).map((s) => (
            <button
              key={s}
              role="tab"
              aria-selected={section === s}
              className={section === s ? 'active' : ''}
              onClick={() => setSection(s)}
              data-testid={`section-${s}`}
            >
              {s === 'overview' ? 'Overview' : s === 'code' ? 'Code' : 'Invoke'}
            </button>
          ))}
        </div>
        <button onClick={() => void load()} disabled={loading}>
          Reload
        </button>
      </div>
      {error && (
        <div className="error" role="alert" data-testid="webtask-error">
          {error.message} <button onClick={() => void load()}>Retry</button>
        </div>
      )}
      {loading && !ins && <p className="muted">Loading…</p>}
      {ins && section === 'overview' && (
        <div className="overview">
          {ins.webtaskUrl && (
            <p className="muted small mono" data-testid="webtask-url">
              {ins.webtaskUrl}
            </p>
          )}
          <h3>Meta</h3>
          <KeyValues data={ins.meta} testId="meta" />
          <h3>Secrets</h3>
          <Secrets ins={ins} profileId={profileId} />
          <h3>Token claims ({ins.tokenKind})</h3>
          <p className="muted small">Decoded by the console; the token itself never reaches this window.</p>
          <KeyValues data={ins.claims} testId="claims" />
        </div>
      )}
      {ins && section === 'code' && (
        <div className="code-section">
          {ins.code ? (
            <>
              <div className="row">
                <span className="muted small">
                  {ins.code.lines} lines · {ins.code.bytes} bytes
                </span>
                <button
                  onClick={() =>
                    void navigator.clipboard.writeText(ins.code!.text).then(
                      () => report('Code copied.', 'info'),
                      () => report('The clipboard refused the copy.'),
                    )
                  }
                  data-testid="code-copy"
                >
                  Copy
                </button>
                <button onClick={() => void save()} data-testid="code-save">
                  Save…
                </button>
              </div>
              {ins.code.notUtf8 && (
                <p className="hint warn small" data-testid="code-not-utf8">
                  This code is not valid UTF-8: {ins.code.replacements} byte sequence{ins.code.replacements === 1 ? '' : 's'} shown as �
                  (U+FFFD). Saving keeps the replacement characters.
                </p>
              )}
              <CodeView code={ins.code.text} line={line} />
            </>
          ) : (
            <p className="muted">{ins.codeUrl ? `This extension runs code from ${ins.codeUrl}.` : 'The cluster returned no code.'}</p>
          )}
        </div>
      )}
      {section === 'invoke' && <InvokePanel profileId={profileId} container={container} name={name} />}
    </div>
  );
}

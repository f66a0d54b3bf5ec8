import { useState } from 'react';
import type { ApiError, Profile, WtProfilePreview } from '../../../../common/contract';
import { call, CallError, errorOf } from '../../api';
import { useProfiles } from './store';
import { MAX } from '../../lib/limits';

/** Imports the wt CLI's profiles: preview (no tokens), choose, move each token into the vault. */
export function ImportTab() {
  const load = useProfiles((s) => s.load);
  const [path, setPath] = useState('');
  const [preview, setPreview] = useState<{ path: string; profiles: WtProfilePreview[] } | null>(null);
  const [chosen, setChosen] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ imported: Profile[]; warning: string } | null>(null);

  async function read() {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const p = await call('profiles.importPreview', { path: path.trim() || undefined });
      setPreview(p);
      setChosen(Object.fromEntries(p.profiles.map((x) => [x.name, !x.problem])));
    } catch (e) {
      setPreview(null);
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  }

  async function importChosen(tokenStorage?: 'persistent' | 'session') {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      const names = preview.profiles.filter((p) => chosen[p.name] && !p.problem).map((p) => p.name);
      const r = await call('profiles.import', { path: preview.path, names, tokenStorage });
      setConfirm(null);
      setDone({ imported: r.imported, warning: r.plaintextWarning });
      await load();
    } catch (e) {
      if (e instanceof CallError && e.code === 'needs_confirmation') setConfirm(e.message);
      else setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  }

  const count = preview?.profiles.filter((p) => chosen[p.name] && !p.problem).length ?? 0;
  return (
    <div className="page narrow" data-testid="import-view">
      <h1>Import wt CLI profiles</h1>
      <p className="muted">
        Reads the <span className="mono">~/.webtask</span> file the <span className="mono">wt</span> CLI writes on the console&apos;s host.
        Tokens go straight into the console&apos;s vault; they are never shown here, and the file is left as it is.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void read();
        }}
      >
        <input
          className="grow mono"
          placeholder="~/.webtask (default)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          aria-label="Profiles file"
          maxLength={MAX.filePath}
          data-testid="import-path"
          spellCheck={false}
        />
        <button type="submit" disabled={busy} data-testid="import-read">
          Read file
        </button>
      </form>
      {error && (
        <div className="error" role="alert" data-testid="import-error">
          {error.message} <button onClick={() => void read()}>Retry</button>
        </div>
      )}
      {preview && (
        <>
          <p className="muted small mono">{preview.path}</p>
          <table className="grid" data-testid="import-preview">
            <thead>
              <tr>
                <th />
                <th>Name</th>
                <th>Cluster URL</th>
                <th>Container</th>
                <th>Token</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {preview.profiles.map((p) => (
                <tr key={p.name} data-testid="import-row" data-name={p.name}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Import ${p.name}`}
                      disabled={Boolean(p.problem)}
                      checked={Boolean(chosen[p.name]) && !p.problem}
                      onChange={(e) => setChosen((c) => ({ ...c, [p.name]: e.target.checked }))}
                    />
                  </td>
                  <td>{p.name}</td>
                  <td className="mono">{p.url ?? ''}</td>
                  <td className="mono">{p.container ?? ''}</td>
                  <td>{p.tokenKind === 'none' ? '—' : `${p.tokenKind} (hidden)`}</td>
                  <td className={p.problem ? 'bad-text small' : 'muted small'}>
                    {p.problem ?? (p.existingId ? 'imported before: will update' : '')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {confirm && (
            <div className="confirm" role="alertdialog" data-testid="vault-confirm">
              <p>{confirm}</p>
              <button type="button" onClick={() => void importChosen('session')}>
                Keep for this session only
              </button>
              <button type="button" className="danger" onClick={() => void importChosen('persistent')}>
                Store anyway (weak protection)
              </button>
            </div>
          )}
          <div className="row">
            <button className="primary" disabled={busy || count === 0} onClick={() => void importChosen()} data-testid="import-go">
              Import {count} profile{count === 1 ? '' : 's'}
            </button>
          </div>
        </>
      )}
      {done && (
        <div className="import-done" data-testid="import-done">
          <p>Imported: {done.imported.map((p) => p.name).join(', ')}.</p>
          <p className="hint warn" data-testid="import-plaintext-warning">
            {done.warning}
          </p>
        </div>
      )}
    </div>
  );
}

import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ApiError } from '../../../../common/contract';
import { useActiveProfile } from '../profiles/store';
import { useShell } from '../../shell/store';
import { useTenants } from './store';
import { MAX } from '../../lib/limits';

export const openTenant = (profileId: string, container: string) =>
  useShell
    .getState()
    .openTab({ id: `tenant:${profileId}:${container}`, kind: 'tenant', title: container, params: { profileId, container } });

/** The containers an engineer works with on the active profile: pinned, recent, added, discovered; searchable. */
export function TenantsPanel() {
  const profile = useActiveProfile();
  const { byProfile, loading, errors, load, add, pin, remove, discover } = useTenants();
  const [query, setQuery] = useState('');
  const [adding, setAdding] = useState('');
  const [addError, setAddError] = useState<ApiError | null>(null);
  const pid = profile?.id;
  const hasToken = profile?.hasToken ?? false;

  useEffect(() => {
    if (pid && hasToken) void load(pid);
  }, [pid, hasToken, load]);

  const list = pid ? byProfile[pid] : undefined;
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (list?.tenants ?? []).filter((t) => !q || t.name.toLowerCase().includes(q));
  }, [list, query]);

  if (!profile) return null;
  const error = errors[profile.id];

  function submit(e: FormEvent) {
    e.preventDefault();
    const name = adding.trim();
    if (!name || !pid) return;
    void add(pid, name).then((refused) => {
      setAddError(refused);
      if (!refused) setAdding('');
    });
  }

  return (
    <section className="side-section tenants" aria-label="Tenants" data-testid="tenants-panel">
      <header>
        <h2>Tenants</h2>
        <button
          className="icon"
          title="Discover tenants from the cross-container list"
          onClick={() => void discover(profile.id)}
          disabled={loading[profile.id]}
          data-testid="tenants-discover"
        >
          ⟳
        </button>
      </header>
      <input
        className="full"
        placeholder="Search tenants"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        aria-label="Search tenants"
        maxLength={MAX.containerName}
        data-testid="tenants-search"
      />
      {!profile.hasToken && <p className="muted small">This profile has no token: edit it to enter one.</p>}
      {list?.discovery.state === 'forbidden' && (
        <p className="hint warn small" data-testid="discovery-forbidden">
          {list.discovery.message}
        </p>
      )}
      {(list?.discovery.state === 'failed' || list?.discovery.state === 'partial') && (
        <p className="hint warn small">{list.discovery.message}</p>
      )}
      {error && (
        <div className="error small" role="alert">
          {error.message} <button onClick={() => void load(profile.id)}>Retry</button>
        </div>
      )}
      {loading[profile.id] && !list && <p className="muted small">Loading tenants…</p>}
      <ul className="list tenant-list">
        {shown.map((t) => (
          <li key={t.name} data-testid="tenant-item" data-tenant={t.name}>
            <button className="link grow" onClick={() => openTenant(profile.id, t.name)} title={t.sources.join(', ')}>
              <span className="name">{t.name}</span>
              <span className="muted small">
                {' '}
                {t.seen !== undefined ? `${t.seen} ext.` : ''}
                {t.lastUsedAt ? ' · recent' : ''}
              </span>
            </button>
            <span className="tenant-actions">
              <button
                className={`icon${t.pinned ? ' pinned' : ''}`}
                title={t.pinned ? 'Unpin' : 'Pin'}
                aria-label={`${t.pinned ? 'Unpin' : 'Pin'} ${t.name}`}
                onClick={() => void pin(profile.id, t.name, !t.pinned)}
              >
                {t.pinned ? '★' : '☆'}
              </button>
              {!t.sources.includes('profile') && (
                <button className="icon" title="Forget" aria-label={`Forget ${t.name}`} onClick={() => void remove(profile.id, t.name)}>
                  ×
                </button>
              )}
            </span>
          </li>
        ))}
        {list && shown.length === 0 && <li className="muted small">No tenant matches.</li>}
      </ul>
      <form className="row tenant-add" onSubmit={submit}>
        <input
          placeholder="Add tenant by name"
          value={adding}
          onChange={(e) => {
            setAdding(e.target.value);
            setAddError(null);
          }}
          aria-label="Add tenant by name"
          maxLength={MAX.containerName}
          spellCheck={false}
          data-testid="tenant-add-input"
        />
        <button type="submit">Add</button>
      </form>
      {addError && (
        <div className="error small row" role="alert" data-testid="tenant-add-error">
          <span className="grow">{addError.message}</span>
          <button className="icon" aria-label="Dismiss" onClick={() => setAddError(null)}>
            ×
          </button>
        </div>
      )}
    </section>
  );
}

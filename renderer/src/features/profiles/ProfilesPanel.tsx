import { useState } from 'react';
import { useShell } from '../../shell/store';
import { ConnectionResult } from './ConnectionResult';
import { useProfiles } from './store';

const STORAGE_LABEL = { persistent: 'token stored', session: 'token for this session', none: 'no token' } as const;

export function ProfilesPanel() {
  const { profiles, activeId, tests, testing, activate, test, remove, dismissTest } = useProfiles();
  const openTab = useShell((s) => s.openTab);
  const report = useShell((s) => s.report);
  const [removing, setRemoving] = useState<string | null>(null);

  return (
    <section className="side-section" aria-label="Profiles" data-testid="profiles-panel">
      <header>
        <h2>Profiles</h2>
        <span className="row">
          <button
            className="icon"
            title="Import the wt CLI's ~/.webtask"
            aria-label="Import wt CLI profiles"
            data-testid="profiles-import"
            onClick={() => openTab({ id: 'profile:import', kind: 'profile-import', title: 'Import ~/.webtask' })}
          >
            ⇩
          </button>
          <button
            className="icon"
            title="New profile"
            aria-label="New profile"
            onClick={() => openTab({ id: 'profile:new', kind: 'profile', title: 'New profile' })}
          >
            +
          </button>
        </span>
      </header>
      {profiles.length === 0 && <p className="muted small">No profile yet.</p>}
      <ul className="list">
        {profiles.map((p) => (
          <li key={p.id} className={p.id === activeId ? 'active' : ''} data-testid="profile-item" data-profile={p.name}>
            <button className="link grow" onClick={() => void activate(p.id)} title={p.url}>
              <span className="name">{p.name}</span>
              <span className="muted small block">
                {p.url.replace(/^https?:\/\//, '')} · {STORAGE_LABEL[p.tokenStorage]}
                {p.source === 'wt-cli' ? ' · from ~/.webtask' : ''}
              </span>
            </button>
            <div className="item-actions">
              <button onClick={() => void test(p.id)} disabled={testing[p.id]} data-testid="profile-test">
                {testing[p.id] ? 'Testing…' : 'Test'}
              </button>
              <button onClick={() => openTab({ id: `profile:${p.id}`, kind: 'profile', title: p.name, params: { id: p.id } })}>Edit</button>
              {removing === p.id ? (
                <>
                  <button
                    className="danger"
                    data-testid="profile-remove-confirm"
                    onClick={() => {
                      setRemoving(null);
                      remove(p.id).catch((e: Error) => report(e.message));
                    }}
                  >
                    Remove {p.name}?
                  </button>
                  <button onClick={() => setRemoving(null)}>Keep</button>
                </>
              ) : (
                <button onClick={() => setRemoving(p.id)} data-testid="profile-remove">
                  Remove
                </button>
              )}
            </div>
            {tests[p.id] && <ConnectionResult result={tests[p.id]!} onDismiss={() => dismissTest(p.id)} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

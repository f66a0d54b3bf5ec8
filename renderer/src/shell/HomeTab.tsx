import { ProfileForm } from '../features/profiles/ProfileForm';
import { useActiveProfile, useProfiles } from '../features/profiles/store';
import { ConnectionResult } from '../features/profiles/ConnectionResult';
import { homeWidgets } from './registry';
import { useShell } from './store';

/** First run: a profile form. Afterwards: the active profile at a glance and what features add. */
export function HomeTab() {
  const { loaded, profiles, tests, test, testing } = useProfiles();
  const active = useActiveProfile();
  const info = useShell((s) => s.info);
  if (!loaded) return <p className="muted page">Loading…</p>;
  if (profiles.length === 0) {
    return (
      <div className="page narrow" data-testid="first-run">
        <h1>Welcome</h1>
        <p>
          Add the profile of a webtask cluster: its URL, your master token and a default container. The token is kept by the console&apos;s
          core
          {info?.vault.persistent ? ', encrypted with your system keyring' : ' for this session only'}; it never comes back to this window.
        </p>
        {homeWidgets.map(({ id, component: W }) => (
          <W key={id} />
        ))}
        <ProfileForm />
      </div>
    );
  }
  return (
    <div className="page" data-testid="home">
      <h1>{active ? active.name : 'No active profile'}</h1>
      {active && (
        <p className="muted">
          {active.url} · default container <span className="mono">{active.container}</span> · {active.tokenKind} token (
          {active.tokenStorage})
          <button className="inline" onClick={() => void test(active.id)} disabled={testing[active.id]}>
            Test connection
          </button>
        </p>
      )}
      {active && tests[active.id] && <ConnectionResult result={tests[active.id]!} />}
      {info?.vault.warning && <p className="hint warn">{info.vault.warning}</p>}
      {homeWidgets.map(({ id, component: W }) => (
        <W key={id} />
      ))}
    </div>
  );
}

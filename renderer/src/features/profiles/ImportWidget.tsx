import { useShell } from '../../shell/store';

/** Home: a way in for engineers who already use the wt CLI. */
export function ImportWidget() {
  const openTab = useShell((s) => s.openTab);
  return (
    <p className="muted">
      Already using the wt CLI?{' '}
      <button
        className="inline"
        data-testid="home-import"
        onClick={() => openTab({ id: 'profile:import', kind: 'profile-import', title: 'Import ~/.webtask' })}
      >
        Import its profiles from ~/.webtask
      </button>
    </p>
  );
}

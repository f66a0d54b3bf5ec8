import { useActiveProfile } from '../profiles/store';
import { openFleet } from './FleetTab';

/** Sidebar entry to the fleet view. */
export function FleetPanel() {
  const profile = useActiveProfile();
  if (!profile) return null;
  return (
    <div className="side-section">
      <button className="grow" onClick={openFleet} data-testid="open-fleet">
        Fleet: every tenant’s health, search all code
      </button>
    </div>
  );
}

import { useActiveProfile } from '../profiles/store';
import { openBulk } from './BulkTab';

/** Sidebar entry to the bulk replay tab. */
export function BulkPanel() {
  const profile = useActiveProfile();
  if (!profile) return null;
  return (
    <div className="side-section">
      <button className="grow" onClick={() => openBulk(profile.id)} data-testid="open-bulk">
        Bulk replay: many tenants after an outage
      </button>
    </div>
  );
}

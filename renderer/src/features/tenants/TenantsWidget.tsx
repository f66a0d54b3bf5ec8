import { useActiveProfile } from '../profiles/store';
import { useTenants } from './store';
import { openTenant } from './TenantsPanel';

/** Home: pinned and recent tenants of the active profile, one click away. */
export function TenantsWidget() {
  const profile = useActiveProfile();
  const list = useTenants((s) => (profile ? s.byProfile[profile.id] : undefined));
  if (!profile || !list) return null;
  const top = list.tenants.filter((t) => t.pinned || t.lastUsedAt).slice(0, 12);
  const shown = top.length ? top : list.tenants.slice(0, 12);
  if (shown.length === 0) return null;
  return (
    <section className="home-tenants" data-testid="home-tenants">
      <h2>{top.length ? 'Pinned and recent tenants' : 'Tenants'}</h2>
      <div className="chips">
        {shown.map((t) => (
          <button key={t.name} className="chip mono" onClick={() => openTenant(profile.id, t.name)}>
            {t.pinned ? '★ ' : ''}
            {t.name}
          </button>
        ))}
      </div>
    </section>
  );
}

import type { TabSpec } from '../../shell/store';
import { useShell } from '../../shell/store';
import { ProfileForm } from './ProfileForm';
import { useProfiles } from './store';

export function ProfileTab({ tab }: { tab: TabSpec }) {
  const id = typeof tab.params?.id === 'string' ? tab.params.id : undefined;
  const profile = useProfiles((s) => s.profiles.find((p) => p.id === id));
  const { closeTab, report } = useShell();
  if (id && !profile) return <p className="muted">This profile no longer exists.</p>;
  return (
    <div className="page narrow">
      <h1>{profile ? `Edit ${profile.name}` : 'New profile'}</h1>
      {profile?.source === 'wt-cli' && (
        <p className="hint warn">Imported from ~/.webtask: that file still holds the token in plain text.</p>
      )}
      <ProfileForm
        key={id ?? 'new'}
        profile={profile}
        onDone={(p) => {
          report(`Profile "${p.name}" saved.`, 'info');
          closeTab(tab.id);
        }}
        onCancel={() => closeTab(tab.id)}
      />
    </div>
  );
}

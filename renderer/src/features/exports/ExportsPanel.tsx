import { useEffect, useState, type FormEvent } from 'react';
import { KNOWN_EXPORT_EXTENSIONS } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { useActiveProfile } from '../profiles/store';
import { useTenants } from '../tenants/store';
import { openExports } from './ExportsTab';
import { MAX } from '../../lib/limits';

/** Sidebar entry: open a tenant's export jobs, and the names treated as log exports. */
export function ExportsPanel() {
  const profile = useActiveProfile();
  const tenants = useTenants((s) => (profile ? s.byProfile[profile.id]?.tenants : undefined));
  const report = useShell((s) => s.report);
  const [name, setName] = useState('');
  const [editing, setEditing] = useState(false);
  const [extra, setExtra] = useState('');

  useEffect(() => {
    if (!editing) return;
    call('exports.settings', {}).then(
      (s) => setExtra(s.extraNames.join(', ')),
      (e: unknown) => report(errorOf(e)),
    );
  }, [editing, report]);

  if (!profile) return null;
  const pid = profile.id;

  function open(e: FormEvent) {
    e.preventDefault();
    if (name.trim()) openExports(pid, name.trim());
  }

  async function saveNames() {
    const extraNames = extra
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      const s = await call('exports.saveSettings', { extraNames });
      setExtra(s.extraNames.join(', '));
      setEditing(false);
      report(`Log-export names saved (${[...KNOWN_EXPORT_EXTENSIONS, ...s.extraNames].join(', ')}).`, 'info');
    } catch (err) {
      report(errorOf(err));
    }
  }

  return (
    <section className="side-section exports-side" aria-label="Exports" data-testid="exports-panel">
      <header>
        <h2>Exports</h2>
        <button
          className="icon"
          title="Names treated as log-export extensions"
          aria-label="Export settings"
          onClick={() => setEditing(!editing)}
          data-testid="exports-settings"
        >
          ⚙
        </button>
      </header>
      {editing && (
        <div className="form small">
          <label>
            Extra log-export extension names (besides {KNOWN_EXPORT_EXTENSIONS.join(', ')})
            <input
              value={extra}
              onChange={(e) => setExtra(e.target.value)}
              placeholder="e.g. logs-to-splunk, logs-to-datadog"
              maxLength={MAX.search * 16}
              spellCheck={false}
            />
          </label>
          <div className="row">
            <button onClick={() => void saveNames()}>Save</button>
            <button onClick={() => setEditing(false)}>Close</button>
          </div>
        </div>
      )}
      <ul className="list exports-tenants">
        {(tenants ?? []).slice(0, 30).map((t) => (
          <li key={t.name}>
            <button
              className="link"
              onClick={() => openExports(pid, t.name)}
              data-testid="exports-tenant"
              data-tenant={t.name}
              title={`Export jobs of ${t.name}`}
            >
              {t.name}
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={open}>
        <input
          className="grow"
          placeholder="Tenant name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="Open the exports of a tenant"
          maxLength={MAX.containerName}
          spellCheck={false}
          data-testid="exports-tenant-input"
        />
        <button type="submit">Open</button>
      </form>
    </section>
  );
}

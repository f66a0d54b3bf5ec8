import { useState } from 'react';
import { useActiveProfile } from '../profiles/store';
import { useShell } from '../../shell/store';
import { MergedOpen } from './MergedOpen';
import { openLogTab } from './open';

const CONTAINER = /^[A-Za-z0-9_.-]{1,256}$/;

/** "Live logs": tail any container by name; lists the tails open now. */
export function LogsSidebar() {
  const active = useActiveProfile();
  const tabs = useShell((s) => s.tabs);
  const focusTab = useShell((s) => s.focusTab);
  const [name, setName] = useState('');
  const open = tabs.filter((t) => t.kind === 'logs');
  const value = name.trim() || active?.container || '';
  const valid = CONTAINER.test(value);
  return (
    <section className="side-section" data-testid="logs-sidebar">
      <header>
        <h2>Live logs</h2>
      </header>
      <form
        className="logs-open-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid && active) openLogTab(value, { profileId: active.id });
        }}
      >
        <input
          placeholder={active?.container ? `container (${active.container})` : 'container'}
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="Container to tail"
          data-testid="logs-container-input"
        />
        <button type="submit" disabled={!valid || !active} data-testid="logs-open">
          Tail
        </button>
      </form>
      {name && !valid && <p className="small bad">Letters, digits, "-", "_" and "." only.</p>}
      {active && <MergedOpen profile={active} />}
      {open.length > 0 && (
        <ul className="list">
          {open.map((t) => (
            <li key={t.id}>
              <button className="link" onClick={() => focusTab(t.id)}>
                {t.title}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

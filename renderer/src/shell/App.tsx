import { useEffect, useState } from 'react';
import { api, call, errorOf, wsTransport } from '../api';
import { useProfiles } from '../features/profiles/store';
import { HomeTab } from './HomeTab';
import { Palette } from './Palette';
import { sidebarSections, tabKinds } from './registry';
import { useShell } from './store';
import { TabStrip } from './TabStrip';

function Notices() {
  const { notices, dismiss } = useShell();
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.level}`} role={n.level === 'error' ? 'alert' : 'status'} data-testid="notice">
          <span>{n.message}</span>
          <button className="icon" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/**
 * Lock stops every tail and replay and drops decrypted tokens from the core's memory; Unlock reads the
 * stored ones again. The label follows the vault's state from `app.info` (so it survives a reload) and
 * the `app.vault` event (so the Electron menu's Lock turns it too).
 */
function LockButton() {
  const { info, setInfo, report } = useShell();
  const locked = info?.vault.backend === 'locked';
  useEffect(
    () =>
      api.subscribe('app.vault', (vault) => {
        const now = useShell.getState().info;
        if (now) useShell.getState().setInfo({ ...now, vault });
        void useProfiles.getState().load();
      }),
    [],
  );
  async function toggle() {
    try {
      if (locked) {
        const { needToken, ...vault } = await call('app.unlock', {});
        if (info) setInfo({ ...info, vault });
        report('Unlocked.', 'info');
        for (const n of needToken) report(n.message, 'warning');
      } else {
        const { closedFlows, ...vault } = await call('app.lock', {});
        if (info) setInfo({ ...info, vault });
        report(
          `Locked: ${closedFlows ? `${closedFlows} running tail${closedFlows === 1 ? '' : 's'} or replay${closedFlows === 1 ? '' : 's'} stopped, ` : ''}tokens dropped from memory.`,
          'info',
        );
      }
      await useProfiles.getState().load();
    } catch (e) {
      report(errorOf(e));
    }
  }
  return (
    <button
      className="link"
      style={{ marginLeft: 'auto' }}
      onClick={() => void toggle()}
      data-testid="lock-toggle"
      data-locked={locked ? 'true' : 'false'}
    >
      {locked ? 'Unlock' : 'Lock'}
    </button>
  );
}

export function App() {
  const { info, connection, tabs, activeTab, setInfo, setConnection, report, openTab } = useShell();
  const loadProfiles = useProfiles((s) => s.load);
  const [palette, setPalette] = useState(false);

  // Ctrl/Cmd+K opens the palette from anywhere, as in VS Code and Lens.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPalette((open) => !open);
      }
    };
    // Capture phase: a focused terminal (xterm) must not swallow the shortcut.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  useEffect(() => {
    if (wsTransport) wsTransport.onState = (s, why) => setConnection(s, why);
    else setConnection('open');
    call('app.info', {})
      .then(setInfo)
      .catch((e: unknown) => report(errorOf(e)));
    void loadProfiles();
    return api.subscribe('app.notice', (n) => report(n.message, n.level));
  }, [setInfo, setConnection, report, loadProfiles]);

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span>Extend Support Console</span>
          {info && <span className="muted small">{info.host === 'browser' ? 'browser host' : info.host}</span>}
        </div>
        {sidebarSections.map(({ id, component: Section }) => (
          <Section key={id} />
        ))}
        <footer className="side-footer row">
          <button className="link" onClick={() => openTab({ id: 'audit', kind: 'audit', title: 'Audit log' })}>
            Audit log
          </button>
          <LockButton />
        </footer>
      </aside>
      <main className="main">
        {connection.state === 'closed' && (
          <div className="banner error" role="alert" data-testid="connection-banner">
            {connection.why ?? 'Disconnected from the console host.'}
          </div>
        )}
        <TabStrip />
        {tabs.map((t) => {
          const Kind = t.kind === 'home' ? HomeTab : tabKinds.get(t.kind)?.component;
          // Inactive tabs stay mounted (a log tail keeps streaming), just hidden.
          return (
            <section key={t.id} className="tab-body" hidden={t.id !== activeTab} data-testid={`tab-body-${t.id}`}>
              {Kind ? <Kind tab={t} /> : <p className="muted page">Unknown tab kind {t.kind}.</p>}
            </section>
          );
        })}
        <Notices />
        {palette && <Palette onClose={() => setPalette(false)} />}
      </main>
    </div>
  );
}

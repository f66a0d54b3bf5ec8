import { useEffect, useRef, useState } from 'react';
import { useProfiles } from '../features/profiles/store';
import { HOME_TAB, useShell, type TabSpec } from './store';
import { kindLabel, profileMark, tabProfileId, type ProfileMark } from './tab-look';

/** The tab's profile as a coloured chip with its short label; the profile's name in the tooltip. */
export function ProfileChip({ mark }: { mark: ProfileMark }) {
  return (
    <span className="tab-profile" style={{ background: mark.colour }} title={`Profile: ${mark.name}`} data-testid="tab-profile">
      {mark.label}
    </span>
  );
}

function useMarkOf() {
  const profiles = useProfiles((s) => s.profiles);
  return (tab: TabSpec): ProfileMark | null => {
    const id = tabProfileId(tab);
    return id
      ? profileMark(
          profiles.find((p) => p.id === id),
          id,
        )
      : null;
  };
}

/** Close / close others / close to the right, for one tab (right-click on a tab, or the tab list). */
function TabMenu({ tab, onClose, at }: { tab: TabSpec; onClose(): void; at?: { x: number; y: number } }) {
  const { closeTab, closeOthers, closeToRight } = useShell();
  const act = (fn: () => void) => () => {
    fn();
    onClose();
  };
  return (
    // Fixed at the pointer: the scrolling strip would clip a menu placed inside it.
    <div className="menu" role="menu" data-testid="tab-menu" style={at ? { position: 'fixed', left: at.x, top: at.y } : undefined}>
      {tab.id !== HOME_TAB.id && (
        <button role="menuitem" onClick={act(() => closeTab(tab.id))}>
          Close
        </button>
      )}
      <button role="menuitem" onClick={act(() => closeOthers(tab.id))} data-testid="tab-close-others">
        Close others
      </button>
      <button role="menuitem" onClick={act(() => closeToRight(tab.id))} data-testid="tab-close-right">
        Close all to the right
      </button>
    </div>
  );
}

/**
 * The tab strip: each tab names its profile (chip) and kind; it scrolls sideways, keeps the active
 * tab in view, and offers a list of every open tab when they no longer fit.
 */
export function TabStrip() {
  const { tabs, activeTab, focusTab, closeTab } = useShell();
  const markOf = useMarkOf();
  const [menuFor, setMenuFor] = useState<{ id: string; x: number; y: number } | null>(null);
  const [listOpen, setListOpen] = useState(false);
  const strip = useRef<HTMLDivElement>(null);

  // A tab opened or focused from elsewhere (sidebar, palette) may sit off-screen: bring it in.
  useEffect(() => {
    const el = strip.current?.querySelector<HTMLElement>(`[data-tab="${CSS.escape(activeTab)}"]`);
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeTab, tabs.length]);

  useEffect(() => {
    if (!menuFor && !listOpen) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent && e.key !== 'Escape') return;
      if (e instanceof MouseEvent && (e.target as Element | null)?.closest('.menu, .tab-list')) return;
      setMenuFor(null);
      setListOpen(false);
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
    };
  }, [menuFor, listOpen]);

  const active = tabs.find((t) => t.id === activeTab) ?? HOME_TAB;

  return (
    <div className="tabbar">
      <div className="tabs" role="tablist" ref={strip}>
        {tabs.map((t) => {
          const mark = markOf(t);
          const kind = t.id === HOME_TAB.id ? '' : kindLabel(t.kind);
          const label = `${t.title}${kind ? ` (${kind}` : ''}${mark ? `, profile ${mark.name}` : ''}${kind ? ')' : ''}`;
          return (
            <div
              key={t.id}
              className={`tab ${t.id === activeTab ? 'active' : ''}`}
              role="tab"
              aria-selected={t.id === activeTab}
              aria-label={label}
              style={mark ? { borderTopColor: mark.colour } : undefined}
              data-testid="tab"
              data-tab={t.id}
              data-kind={t.kind}
              onContextMenu={(e) => {
                e.preventDefault();
                setMenuFor({ id: t.id, x: e.clientX, y: e.clientY });
              }}
            >
              {mark && <ProfileChip mark={mark} />}
              <button className="link" onClick={() => focusTab(t.id)} title={label}>
                {kind && <span className="tab-kind">{kind}</span>}
                <span className="tab-title">{t.title}</span>
              </button>
              {t.id !== HOME_TAB.id && (
                <button className="icon" aria-label={`Close ${t.title}`} onClick={() => closeTab(t.id)}>
                  ×
                </button>
              )}
              {menuFor?.id === t.id && <TabMenu tab={t} at={menuFor} onClose={() => setMenuFor(null)} />}
            </div>
          );
        })}
      </div>
      <div className="tab-list">
        <button
          className="icon tab-list-toggle"
          aria-label={`All ${tabs.length} tabs`}
          title="All open tabs"
          aria-expanded={listOpen}
          onClick={() => setListOpen(!listOpen)}
          data-testid="tab-list-toggle"
        >
          ▾ {tabs.length}
        </button>
        {listOpen && (
          <div className="menu tab-list-menu" role="menu" data-testid="tab-list">
            {tabs.map((t) => {
              const mark = markOf(t);
              return (
                <button
                  key={t.id}
                  role="menuitem"
                  className={t.id === activeTab ? 'active' : ''}
                  onClick={() => {
                    focusTab(t.id);
                    setListOpen(false);
                  }}
                  data-testid="tab-list-item"
                  data-tab={t.id}
                >
                  {mark && <ProfileChip mark={mark} />}
                  <span className="tab-kind">{t.id === HOME_TAB.id ? '' : kindLabel(t.kind)}</span> {t.title}
                </button>
              );
            })}
            <hr />
            <TabMenu tab={active} onClose={() => setListOpen(false)} />
          </div>
        )}
      </div>
    </div>
  );
}

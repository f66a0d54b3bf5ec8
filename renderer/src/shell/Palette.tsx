import { useEffect, useMemo, useRef, useState } from 'react';
import { PLATFORM_NAME_RX } from '../../../common/contract';
import { openBulk } from '../features/bulk';
import { openExports } from '../features/exports';
import { openLogTab } from '../features/logs';
import { useProfiles } from '../features/profiles/store';
import { useTenants } from '../features/tenants/store';
import { openTenant } from '../features/tenants/TenantsPanel';
import { openWebtask } from '../features/webtasks/TenantTab';
import { useShell } from './store';
import { ProfileChip } from './TabStrip';
import { kindLabel, profileMark, tabProfileId, type ProfileMark } from './tab-look';

interface Item {
  key: string;
  kind: string;
  text: string;
  mark: ProfileMark | null;
  recent?: boolean;
  run(): void;
}

/** Words in any order, each a substring of the item ("prod logs" finds "logs · acme-prod"). */
const matches = (item: Item, q: string) => {
  const hay = `${item.kind} ${item.text} ${item.mark?.name ?? ''} ${item.mark?.label ?? ''}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
};

const SHOWN = 50;

/**
 * Ctrl/Cmd+K: go to a tenant, an extension, a tenant's logs or exports, or a profile, by typing.
 * Views opened this session come first, most recent on top.
 */
export function Palette({ onClose }: { onClose(): void }) {
  const recent = useShell((s) => s.recent);
  const openTab = useShell((s) => s.openTab);
  const profiles = useProfiles((s) => s.profiles);
  const activeId = useProfiles((s) => s.activeId);
  const activate = useProfiles((s) => s.activate);
  const tenants = useTenants((s) => s.byProfile);
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  const items = useMemo(() => {
    const markOf = (id: string) =>
      profileMark(
        profiles.find((p) => p.id === id),
        id,
      );
    const out: Item[] = recent.map((t) => {
      const pid = tabProfileId(t);
      return {
        key: `recent:${t.id}`,
        kind: kindLabel(t.kind),
        text: t.title,
        mark: pid ? markOf(pid) : null,
        recent: true,
        run: () => openTab(t),
      };
    });
    const seen = new Set(recent.map((t) => t.id));
    const add = (id: string, item: Omit<Item, 'key'>) => {
      if (!seen.has(id)) out.push({ key: id, ...item });
      seen.add(id);
    };
    // The active profile's tenants first: that is where the engineer is working.
    const order = [...profiles].sort((a, b) => (a.id === activeId ? -1 : b.id === activeId ? 1 : 0));
    for (const p of order) {
      const mark = markOf(p.id);
      for (const t of tenants[p.id]?.tenants ?? []) {
        add(`tenant:${p.id}:${t.name}`, { kind: 'tenant', text: t.name, mark, run: () => openTenant(p.id, t.name) });
        add(`logs:${p.id}:${t.name}`, { kind: 'logs', text: `Logs · ${t.name}`, mark, run: () => openLogTab(t.name, { profileId: p.id }) });
        add(`exports:${p.id}:${t.name}`, { kind: 'exports', text: `Exports · ${t.name}`, mark, run: () => openExports(p.id, t.name) });
      }
    }
    // Bulk replays act on the active profile (the tab follows it).
    if (activeId)
      add(`bulk:${activeId}`, {
        kind: 'bulk',
        text: 'Bulk replay (many tenants after an outage)',
        mark: markOf(activeId),
        run: () => openBulk(activeId),
      });
    for (const p of order) {
      add(`profile:${p.id}`, {
        kind: 'profile',
        text: p.name,
        mark: markOf(p.id),
        run: () => {
          void activate(p.id);
          openTab({ id: `profile:${p.id}`, kind: 'profile', title: p.name, params: { id: p.id } });
        },
      });
    }
    return out;
  }, [recent, profiles, activeId, tenants, openTab, activate]);

  // "container/name" opens that extension on the active profile, listed or not.
  const typed = q.trim().match(/^([^/\s]+)\/([^/\s]+)$/);
  const direct: Item[] =
    typed && activeId && PLATFORM_NAME_RX.test(typed[1]!) && PLATFORM_NAME_RX.test(typed[2]!)
      ? [
          {
            key: 'direct',
            kind: 'extension',
            text: `${typed[1]}/${typed[2]}`,
            mark: profileMark(
              profiles.find((p) => p.id === activeId),
              activeId,
            ),
            run: () => openWebtask(activeId, typed[1]!, typed[2]!),
          },
        ]
      : [];
  const shown = [...direct, ...items.filter((i) => matches(i, q))].slice(0, SHOWN);
  const current = Math.min(sel, Math.max(0, shown.length - 1));

  function go(item: Item | undefined) {
    if (!item) return;
    onClose();
    item.run();
  }

  return (
    <div className="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="palette" role="dialog" aria-label="Go to" data-testid="palette">
        <input
          ref={input}
          value={q}
          maxLength={200}
          placeholder="Go to a tenant, extension (tenant/name), logs, exports or profile…"
          aria-label="Go to"
          data-testid="palette-input"
          onChange={(e) => {
            setQ(e.target.value);
            setSel(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setSel(Math.min(current + 1, shown.length - 1));
            else if (e.key === 'ArrowUp') setSel(Math.max(current - 1, 0));
            else if (e.key === 'Enter') go(shown[current]);
            else if (e.key === 'Escape') onClose();
            else return;
            e.preventDefault();
          }}
        />
        <ul className="palette-list" role="listbox">
          {shown.map((i, n) => (
            <li
              key={i.key}
              role="option"
              aria-selected={n === current}
              className={n === current ? 'selected' : ''}
              onMouseEnter={() => setSel(n)}
              onClick={() => go(i)}
              data-testid="palette-item"
              data-key={i.key}
            >
              {i.mark && <ProfileChip mark={i.mark} />}
              <span className="tab-kind">{i.kind}</span>
              <span className="grow">{i.text}</span>
              {i.recent && <span className="muted small">recent</span>}
            </li>
          ))}
          {shown.length === 0 && <li className="muted">Nothing matches “{q.slice(0, 60)}”.</li>}
        </ul>
      </div>
    </div>
  );
}

import { create } from 'zustand';
import type { ApiError, AppInfo } from '../../../common/contract';

export interface TabSpec {
  id: string;
  kind: string;
  title: string;
  params?: Record<string, unknown>;
}

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
  code?: string;
}

interface ShellState {
  info: AppInfo | null;
  connection: { state: 'connecting' | 'open' | 'closed'; why?: string };
  notices: Notice[];
  tabs: TabSpec[];
  activeTab: string;
  /** Views opened in this session, most recent first (the palette lists them first). */
  recent: TabSpec[];
  setInfo(info: AppInfo): void;
  setConnection(state: ShellState['connection']['state'], why?: string): void;
  /** The error surface: a typed error's message, shown as is. */
  report(error: ApiError | string, level?: Notice['level']): void;
  dismiss(id: number): void;
  /** Opens a tab, or focuses the one with the same id. */
  openTab(tab: TabSpec): void;
  closeTab(id: string): void;
  /** Closes every tab but Home and this one. */
  closeOthers(id: string): void;
  /** Closes the tabs after this one in the strip. */
  closeToRight(id: string): void;
  focusTab(id: string): void;
  updateTab(id: string, patch: Partial<Omit<TabSpec, 'id'>>): void;
}

let nextNotice = 1;
const RECENT_MAX = 30;
export const HOME_TAB: TabSpec = { id: 'home', kind: 'home', title: 'Home' };

export const useShell = create<ShellState>((set, get) => ({
  info: null,
  connection: { state: 'connecting' },
  notices: [],
  tabs: [HOME_TAB],
  activeTab: HOME_TAB.id,
  recent: [],
  setInfo: (info) => set({ info }),
  setConnection: (state, why) => set({ connection: { state, why } }),
  report: (error, level = 'error') => {
    const n: Notice =
      typeof error === 'string'
        ? { id: nextNotice++, level, message: error }
        : { id: nextNotice++, level, message: error.message, code: error.code };
    // Keep the surface readable: at most five at once, newest last.
    set({ notices: [...get().notices.slice(-4), n] });
  },
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  openTab: (tab) => {
    const tabs = get().tabs;
    const recent = tab.id === HOME_TAB.id ? get().recent : [tab, ...get().recent.filter((t) => t.id !== tab.id)].slice(0, RECENT_MAX);
    set({
      tabs: tabs.some((t) => t.id === tab.id) ? tabs.map((t) => (t.id === tab.id ? { ...t, ...tab } : t)) : [...tabs, tab],
      activeTab: tab.id,
      recent,
    });
  },
  closeOthers: (id) => {
    set({ tabs: get().tabs.filter((t) => t.id === HOME_TAB.id || t.id === id), activeTab: id });
  },
  closeToRight: (id) => {
    const tabs = get().tabs;
    const i = tabs.findIndex((t) => t.id === id);
    if (i < 0) return;
    const kept = tabs.slice(0, i + 1);
    set({ tabs: kept, activeTab: kept.some((t) => t.id === get().activeTab) ? get().activeTab : id });
  },
  closeTab: (id) => {
    if (id === HOME_TAB.id) return;
    const tabs = get().tabs;
    const i = tabs.findIndex((t) => t.id === id);
    const rest = tabs.filter((t) => t.id !== id);
    const active = get().activeTab === id ? (rest[Math.max(0, i - 1)]?.id ?? HOME_TAB.id) : get().activeTab;
    set({ tabs: rest, activeTab: active });
  },
  focusTab: (id) => set({ activeTab: id }),
  updateTab: (id, patch) => set({ tabs: get().tabs.map((t) => (t.id === id ? { ...t, ...patch } : t)) }),
}));

import { create } from 'zustand';
import type { ConnectionTest, Profile, SaveProfileInput } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';

interface ProfilesState {
  profiles: Profile[];
  activeId: string | null;
  loaded: boolean;
  tests: Record<string, ConnectionTest & { at: number }>;
  testing: Record<string, boolean>;
  load(): Promise<void>;
  /** `tokenDropped` says the URL moved to another origin and the stored token was removed. */
  save(input: SaveProfileInput): Promise<Profile & { tokenDropped?: string }>;
  remove(id: string): Promise<void>;
  activate(id: string): Promise<void>;
  test(id: string): Promise<ConnectionTest | null>;
  /** One result per profile is kept; this drops it. */
  dismissTest(id: string): void;
}

export const useProfiles = create<ProfilesState>((set, get) => ({
  profiles: [],
  activeId: null,
  loaded: false,
  tests: {},
  testing: {},
  async load() {
    try {
      const r = await call('profiles.list', {});
      set({ profiles: r.profiles, activeId: r.activeId, loaded: true });
    } catch (e) {
      set({ loaded: true });
      useShell.getState().report(errorOf(e));
    }
  },
  async save(input) {
    const p = await call('profiles.save', input);
    await get().load();
    return p;
  },
  async remove(id) {
    await call('profiles.remove', { id });
    const { [id]: _gone, ...tests } = get().tests;
    set({ tests });
    await get().load();
  },
  async activate(id) {
    try {
      const r = await call('profiles.activate', { id });
      set({ activeId: r.activeId });
    } catch (e) {
      useShell.getState().report(errorOf(e));
    }
  },
  dismissTest(id) {
    const { [id]: _gone, ...tests } = get().tests;
    set({ tests });
  },
  async test(id) {
    set({ testing: { ...get().testing, [id]: true } });
    try {
      const r = await call('profiles.test', { id });
      set({ tests: { ...get().tests, [id]: { ...r, at: Date.now() } } });
      return r;
    } catch (e) {
      useShell.getState().report(errorOf(e));
      return null;
    } finally {
      set({ testing: { ...get().testing, [id]: false } });
    }
  },
}));

export const useActiveProfile = () => useProfiles((s) => s.profiles.find((p) => p.id === s.activeId) ?? null);

import { create } from 'zustand';
import type { TenantList } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import type { ApiError } from '../../../../common/contract';

interface TenantsState {
  byProfile: Record<string, TenantList>;
  loading: Record<string, boolean>;
  errors: Record<string, ApiError | undefined>;
  load(profileId: string): Promise<void>;
  /** Resolves with the refusal in words (shown next to the Add field), or null when added. */
  add(profileId: string, name: string): Promise<ApiError | null>;
  remove(profileId: string, name: string): Promise<void>;
  pin(profileId: string, name: string, pinned: boolean): Promise<void>;
  discover(profileId: string): Promise<void>;
}

export const useTenants = create<TenantsState>((set, get) => {
  const run = async (profileId: string, fn: () => Promise<TenantList>) => {
    set({ loading: { ...get().loading, [profileId]: true } });
    try {
      const list = await fn();
      set({ byProfile: { ...get().byProfile, [profileId]: list }, errors: { ...get().errors, [profileId]: undefined } });
    } catch (e) {
      set({ errors: { ...get().errors, [profileId]: errorOf(e) } });
    } finally {
      set({ loading: { ...get().loading, [profileId]: false } });
    }
  };
  return {
    byProfile: {},
    loading: {},
    errors: {},
    load: (profileId) => run(profileId, () => call('tenants.list', { profileId })),
    // An Add that is refused is the form's error, not the list's: "Retry" would only reload the list.
    add: async (profileId, name) => {
      try {
        set({ byProfile: { ...get().byProfile, [profileId]: await call('tenants.add', { profileId, name }) } });
        return null;
      } catch (e) {
        return errorOf(e);
      }
    },
    remove: (profileId, name) => run(profileId, () => call('tenants.remove', { profileId, name })),
    pin: (profileId, name, pinned) => run(profileId, () => call('tenants.pin', { profileId, name, pinned })),
    discover: (profileId) => run(profileId, () => call('tenants.discover', { profileId })),
  };
});

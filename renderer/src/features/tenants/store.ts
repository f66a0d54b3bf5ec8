import { create } from 'zustand';
import type { TenantList } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import type { ApiError } from '../../../../common/contract';

interface TenantsState {
  byProfile: Record<string, TenantList>;
  loading: Record<string, boolean>;
  errors: Record<string, ApiError | undefined>;
  load(profileId: string): Promise<void>;
  add(profileId: string, name: string): Promise<void>;
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
    add: (profileId, name) => run(profileId, () => call('tenants.add', { profileId, name })),
    remove: (profileId, name) => run(profileId, () => call('tenants.remove', { profileId, name })),
    pin: (profileId, name, pinned) => run(profileId, () => call('tenants.pin', { profileId, name, pinned })),
    discover: (profileId) => run(profileId, () => call('tenants.discover', { profileId })),
  };
});

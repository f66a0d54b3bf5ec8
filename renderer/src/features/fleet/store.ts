import { create } from 'zustand';
import type { ApiError, FleetProgress, FleetRow, FleetSettings, Input, TenantHits } from '../../../../common/contract';
import { DEFAULT_FLEET_SETTINGS } from '../../../../common/contract';
import { api, call, errorOf } from '../../api';

/** The fleet view's state: the scan's rows (streamed), the search's hits (streamed), progress of each. */
interface FleetState {
  profileId: string | null;
  settings: FleetSettings;
  rows: Record<string, FleetRow>;
  scanId: string | null;
  scanProgress: FleetProgress | null;
  /** When the rows shown were scanned (the cached scan's time, or this scan's start). */
  scanAt: string | null;
  complete: boolean;
  searchId: string | null;
  searchProgress: FleetProgress | null;
  hits: TenantHits[];
  searchSummary: { extensions: number; scanned: number; failedTenants: number; truncated: boolean } | null;
  error: ApiError | null;
  open(profileId: string): Promise<void>;
  scan(resume: boolean): Promise<void>;
  cancel(id: string | null): Promise<void>;
  refresh(container: string): Promise<void>;
  search(query: Input<'fleet.search'>['query']): Promise<void>;
  saveSettings(s: FleetSettings): Promise<void>;
}

export const useFleet = create<FleetState>((set, get) => ({
  profileId: null,
  settings: DEFAULT_FLEET_SETTINGS,
  rows: {},
  scanId: null,
  scanProgress: null,
  scanAt: null,
  complete: false,
  searchId: null,
  searchProgress: null,
  hits: [],
  searchSummary: null,
  error: null,
  open: async (profileId) => {
    if (get().profileId === profileId) return;
    set({ profileId, rows: {}, scanAt: null, complete: false, error: null });
    try {
      const [settings, last] = await Promise.all([call('fleet.settings', {}), call('fleet.last', { profileId })]);
      // The cached scan shows at once; a scan started meanwhile wins.
      if (get().scanId === null && last.scan)
        set({ rows: Object.fromEntries(last.scan.rows.map((r) => [r.container, r])), scanAt: last.scan.at, complete: last.scan.complete });
      set({ settings });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  scan: async (resume) => {
    const profileId = get().profileId;
    if (!profileId) return;
    set({
      error: null,
      ...(resume ? {} : { rows: {} }),
      scanProgress: null,
      scanAt: resume ? get().scanAt : new Date().toISOString(),
      complete: false,
    });
    try {
      const { scanId } = await call('fleet.scan', { profileId, resume });
      set({ scanId });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  cancel: async (id) => {
    if (id) await call('fleet.cancel', { id }).catch((e: unknown) => set({ error: errorOf(e) }));
  },
  refresh: async (container) => {
    const profileId = get().profileId;
    if (!profileId) return;
    try {
      const row = await call('fleet.refreshRow', { profileId, container });
      set({ rows: { ...get().rows, [container]: row } });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  search: async (query) => {
    const profileId = get().profileId;
    if (!profileId) return;
    set({ error: null, hits: [], searchProgress: null, searchSummary: null, searchId: null });
    try {
      const { searchId } = await call('fleet.search', { profileId, query });
      set({ searchId });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  saveSettings: async (s) => {
    try {
      set({ settings: await call('fleet.saveSettings', s) });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
}));

// Events carry their scan or search id: only the current one's are taken. Rows arrive in bursts, so
// they are applied once per animation frame rather than one state update each.
let pendingRows: FleetRow[] = [];
let frame = 0;
const flushRows = () => {
  frame = 0;
  const rows = { ...useFleet.getState().rows };
  for (const r of pendingRows) rows[r.container] = r;
  pendingRows = [];
  useFleet.setState({ rows });
};
api.subscribe('fleet.row', ({ scanId, row }) => {
  if (scanId !== useFleet.getState().scanId) return;
  pendingRows.push(row);
  frame ||= requestAnimationFrame(flushRows);
});
api.subscribe('fleet.progress', (p) => {
  const s = useFleet.getState();
  if (p.kind === 'scan' && p.id === s.scanId) {
    if (p.state !== 'running' && frame) {
      cancelAnimationFrame(frame);
      flushRows();
    }
    useFleet.setState({ scanProgress: p, ...(p.state === 'done' ? { complete: true } : {}) });
  } else if (p.kind === 'search' && p.id === s.searchId) useFleet.setState({ searchProgress: p });
});
api.subscribe('fleet.hits', ({ searchId, tenant }) => {
  if (searchId === useFleet.getState().searchId) useFleet.setState({ hits: [...useFleet.getState().hits, tenant] });
});
api.subscribe('fleet.searchDone', (d) => {
  if (d.searchId === useFleet.getState().searchId) useFleet.setState({ searchSummary: d });
});

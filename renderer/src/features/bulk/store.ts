import { create } from 'zustand';
import type { ApiError, BulkMode, BulkPlan, BulkTarget, BulkView } from '../../../../common/contract';
import { api, call, errorOf } from '../../api';
import { hostSelectionText } from './format';

/**
 * One selected tenant job and where it replays from: its newest failed run's checkpoint, a log id typed
 * in, or the checkpoint of its last good run before a time (`before`, as a datetime-local input gives it).
 */
export interface Selected {
  container: string;
  name: string;
  from: 'failed' | 'logId' | 'time';
  logId: string;
  before: string;
}

export const keyOf = (t: { container: string; name: string }) => `${t.container}/${t.name}`;

/** The targets as the contract takes them; a row set to "log id" sends the id typed (checked by the contract). */
export const targetsOf = (sel: Record<string, Selected>): BulkTarget[] =>
  Object.values(sel).map((s) => ({
    container: s.container,
    name: s.name,
    ...(s.from === 'logId' ? { from: s.logId.trim() } : {}),
    ...(s.from === 'time' ? { fromBefore: isoOf(s.before) } : {}),
  }));

/** A datetime-local value (the viewer's zone) as the ISO time the contract takes; as typed when it is not a time. */
export function isoOf(local: string): string {
  const t = new Date(local);
  return local && !Number.isNaN(t.getTime()) ? t.toISOString() : local;
}

const blank = (j: { container: string; name: string }): Selected => ({
  container: j.container,
  name: j.name,
  from: 'failed',
  logId: '',
  before: '',
});

/**
 * The bulk replay tab: the selection being planned, its preview, and the bulk replays of the journal
 * (kept current by `bulk.progress` events), one of them watched.
 */
interface BulkState {
  profileId: string | null;
  selected: Record<string, Selected>;
  /** Jobs added by hand (tenant/job typed in), listed with the scanned ones. */
  manual: Array<{ container: string; name: string }>;
  plan: BulkPlan | null;
  /** The selection the plan was made for: a changed selection needs a new preview before a start. */
  planKey: string | null;
  previewing: boolean;
  starting: boolean;
  concurrency: number;
  mode: BulkMode;
  /** Slack summary at the end, to the jobs' own webhooks. */
  notify: boolean;
  bulks: Record<string, BulkView>;
  watching: string | null;
  /** The tab's section: planning a new bulk replay or watching one. */
  section: 'plan' | 'watch';
  error: ApiError | null;
  open(profileId: string): Promise<void>;
  /** Pre-fills the selection (the fleet view's "Replay selected"). */
  prefill(profileId: string, jobs: Array<{ container: string; name: string }>): void;
  toggle(job: { container: string; name: string }, on: boolean): void;
  setFrom(key: string, patch: Partial<Pick<Selected, 'from' | 'logId' | 'before'>>): void;
  addManual(job: { container: string; name: string }): void;
  setConcurrency(n: number): void;
  setMode(mode: BulkMode): void;
  setNotify(on: boolean): void;
  /** Selects every export job sending to a destination host (asks the core): what was looked at, and what could not be. */
  selectByHost(host: string): Promise<{ note: string; partial: string | null } | null>;
  preview(): Promise<void>;
  start(): Promise<BulkView | null>;
  control(op: 'pause' | 'resume' | 'cancel', tenant?: { container: string; name: string }): Promise<void>;
  retry(tenant: { container: string; name: string }): Promise<void>;
  watch(bulkId: string | null): void;
  show(section: 'plan' | 'watch'): void;
  clearError(): void;
}

const selectionKey = (sel: Record<string, Selected>, mode: BulkMode) => JSON.stringify([mode, targetsOf(sel)]);

export const useBulk = create<BulkState>((set, get) => ({
  profileId: null,
  selected: {},
  manual: [],
  plan: null,
  planKey: null,
  previewing: false,
  starting: false,
  concurrency: 4,
  mode: 'local',
  notify: true,
  bulks: {},
  watching: null,
  section: 'plan',
  error: null,
  open: async (profileId) => {
    if (get().profileId !== profileId) set({ profileId, selected: {}, manual: [], plan: null, planKey: null });
    try {
      const [settings, list] = await Promise.all([call('bulk.settings', {}), call('bulk.list', {})]);
      const bulks = { ...get().bulks };
      for (const b of list.bulks) bulks[b.bulkId] = b;
      // The newest bulk of this profile is watched when none is: a replay started before this tab opened stays in sight.
      const newest = list.bulks.find((b) => b.profileId === profileId);
      const watching = get().watching ?? newest?.bulkId ?? null;
      set({
        concurrency: settings.concurrency,
        bulks,
        watching,
        section: watching && !Object.keys(get().selected).length ? 'watch' : get().section,
      });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  prefill: (profileId, jobs) => {
    const selected: Record<string, Selected> = {};
    for (const j of jobs) selected[keyOf(j)] = blank(j);
    set({ profileId, selected, manual: [], plan: null, planKey: null, error: null, section: 'plan' });
  },
  toggle: (job, on) => {
    const selected = { ...get().selected };
    if (on) selected[keyOf(job)] ??= blank(job);
    else delete selected[keyOf(job)];
    set({ selected });
  },
  setFrom: (key, patch) => {
    const cur = get().selected[key];
    if (cur) set({ selected: { ...get().selected, [key]: { ...cur, ...patch } } });
  },
  addManual: (job) => {
    if (!get().manual.some((m) => keyOf(m) === keyOf(job))) set({ manual: [...get().manual, job] });
    get().toggle(job, true);
  },
  setConcurrency: (n) => set({ concurrency: n }),
  setMode: (mode) => set({ mode }),
  setNotify: (notify) => set({ notify }),
  selectByHost: async (host) => {
    const profileId = get().profileId;
    if (!profileId) return null;
    set({ error: null });
    try {
      const r = await call('bulk.select', { profileId, select: { destinationHost: host } });
      for (const t of r.tenants) get().addManual(t);
      return hostSelectionText(r);
    } catch (e) {
      set({ error: errorOf(e) });
      return null;
    }
  },
  preview: async () => {
    const { profileId, selected, mode } = get();
    if (!profileId) return;
    set({ previewing: true, error: null });
    try {
      const plan = await call('bulk.preview', { profileId, tenants: targetsOf(selected), mode });
      set({ plan, planKey: selectionKey(selected, mode) });
    } catch (e) {
      set({ error: errorOf(e), plan: null, planKey: null });
    } finally {
      set({ previewing: false });
    }
  },
  start: async () => {
    const { profileId, selected, plan, concurrency, mode, notify } = get();
    if (!profileId || !plan) return null;
    set({ starting: true, error: null });
    try {
      const view = await call('bulk.start', {
        profileId,
        tenants: targetsOf(selected),
        concurrency,
        mode,
        notify,
        confirm: { tenants: plan.tenants, destinations: plan.destinations.length },
      });
      set({
        bulks: { ...get().bulks, [view.bulkId]: view },
        watching: view.bulkId,
        section: 'watch',
        plan: null,
        planKey: null,
        selected: {},
      });
      return view;
    } catch (e) {
      const err = errorOf(e);
      // The plan changed between preview and start (a job fixed or broken meanwhile): preview again so the counts shown are the ones confirmed.
      if (err.code === 'needs_confirmation') void get().preview();
      set({ error: err });
      return null;
    } finally {
      set({ starting: false });
    }
  },
  control: async (op, tenant) => {
    const bulkId = get().watching;
    if (!bulkId) return;
    try {
      const view = await call(`bulk.${op}`, { bulkId, ...(tenant ? { container: tenant.container, name: tenant.name } : {}) });
      put(view);
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  retry: async (tenant) => {
    const bulkId = get().watching;
    if (!bulkId) return;
    try {
      put(await call('bulk.retry', { bulkId, container: tenant.container, name: tenant.name }));
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  watch: (bulkId) => set({ watching: bulkId }),
  show: (section) => set({ section }),
  clearError: () => set({ error: null }),
}));

/** True when the plan shown was made for the selection as it is now. */
export const planIsCurrent = (s: Pick<BulkState, 'plan' | 'planKey' | 'selected' | 'mode'>) =>
  s.plan !== null && s.planKey === selectionKey(s.selected, s.mode);

// Answers and events come over one ordered connection, so the view that arrived last is the newest.
function put(view: BulkView) {
  useBulk.setState({ bulks: { ...useBulk.getState().bulks, [view.bulkId]: view } });
}

api.subscribe('bulk.progress', put);

import { create } from 'zustand';
import type { ApiError, ExportJob, LocalRun, RunItem } from '../../../../common/contract';
import { api, call, errorOf } from '../../api';

/** One tenant's export jobs, their histories, and this session's local replays (fed by core events). */
interface ExportsState {
  jobs: Record<string, ExportJob[]>;
  loading: Record<string, boolean>;
  errors: Record<string, ApiError | undefined>;
  history: Record<string, { runs: RunItem[]; loading: boolean; error?: ApiError }>;
  runs: Record<string, LocalRun>;
  load(profileId: string, container: string): Promise<void>;
  loadHistory(profileId: string, container: string, name: string): Promise<void>;
  putJob(profileId: string, job: ExportJob): void;
  putRun(run: LocalRun): void;
}

export const tenantKey = (profileId: string, container: string) => `${profileId}:${container}`;
export const jobKey = (profileId: string, container: string, name: string) => `${profileId}:${container}:${name}`;

export const useExports = create<ExportsState>((set, get) => ({
  jobs: {},
  loading: {},
  errors: {},
  history: {},
  runs: {},
  load: async (profileId, container) => {
    const k = tenantKey(profileId, container);
    set({ loading: { ...get().loading, [k]: true } });
    try {
      const [r, local] = await Promise.all([call('exports.jobs', { profileId, container }), call('exports.localRuns', { container })]);
      // Replays of this session the store missed (a tab opened after they started) come back with their state.
      const runs = { ...get().runs };
      for (const run of local.runs) if (!runs[run.runId] || runs[run.runId]!.state === 'running') runs[run.runId] = run;
      set({ jobs: { ...get().jobs, [k]: r.jobs }, errors: { ...get().errors, [k]: undefined }, runs });
    } catch (e) {
      set({ errors: { ...get().errors, [k]: errorOf(e) } });
    } finally {
      set({ loading: { ...get().loading, [k]: false } });
    }
  },
  loadHistory: async (profileId, container, name) => {
    const k = jobKey(profileId, container, name);
    const prev = get().history[k];
    set({ history: { ...get().history, [k]: { runs: prev?.runs ?? [], loading: true } } });
    try {
      const r = await call('exports.history', { profileId, container, name, failuresOnly: false });
      set({ history: { ...get().history, [k]: { runs: r.runs, loading: false } } });
    } catch (e) {
      set({ history: { ...get().history, [k]: { runs: prev?.runs ?? [], loading: false, error: errorOf(e) } } });
    }
  },
  putJob: (profileId, job) => {
    const k = tenantKey(profileId, job.container);
    const list = get().jobs[k] ?? [];
    set({
      jobs: {
        ...get().jobs,
        [k]: list.some((j) => j.name === job.name) ? list.map((j) => (j.name === job.name ? job : j)) : [...list, job],
      },
    });
  },
  putRun: (run) => set({ runs: { ...get().runs, [run.runId]: run } }),
}));

// Progress and final reports of local replays arrive as events of this session.
api.subscribe('exports.progress', (e) => {
  const run = useExports.getState().runs[e.runId];
  if (run && run.state === 'running') useExports.getState().putRun({ ...run, progress: e.progress });
});
api.subscribe('exports.done', (run) => {
  useExports.getState().putRun(run);
  void useExports.getState().loadHistory(run.profileId, run.container, run.name);
  void useExports.getState().load(run.profileId, run.container);
});

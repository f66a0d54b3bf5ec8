// ETA for a local replay. The Management API has no count in checkpoint mode, so the console
// learns the head (the newest log, one search-mode request with the engine's own token) and
// estimates how many logs remain from the dates of the pages the engine fetched so far.
import type { RunProgress } from '../../contract';
import type { FetchLike } from '../../export/source';

type Dated = { log_id?: unknown; date?: unknown };

/** Below these, a date-based estimate is noise. */
const MIN_SPAN_MS = 60_000;
const MIN_FRACTION = 0.02;

const dateOf = (l: Dated | undefined) => (l && typeof l.date === 'string' ? Date.parse(l.date) : NaN);

export class HeadEstimator {
  private startMs = NaN;
  private lastMs = NaN;
  private fetched = 0;
  private reachedHead = false;
  private headMs = NaN;
  private probing = false;
  private batchSize = 100;

  constructor(private readonly signal: AbortSignal) {}

  /** The engine's fetch, watching log pages (a clone is read; the engine's response is untouched). */
  wrap(base: FetchLike): FetchLike {
    return async (input, init) => {
      const res = await base(input, init);
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      if (res.ok && url.pathname.endsWith('/api/v2/logs') && url.searchParams.has('take')) {
        this.batchSize = Number(url.searchParams.get('take')) || this.batchSize;
        void this.notePage(res.clone());
        if (!this.probing) {
          this.probing = true;
          const auth = new Headers(init?.headers).get('authorization');
          if (auth) void this.probeHead(base, url, auth);
        }
      }
      return res;
    };
  }

  private async notePage(res: Response): Promise<void> {
    try {
      const page = (await res.json()) as Dated[];
      if (!Array.isArray(page)) return;
      if (page.length && Number.isNaN(this.startMs)) this.startMs = dateOf(page[0]);
      if (page.length) this.lastMs = dateOf(page[page.length - 1]);
      this.fetched += page.length;
      if (page.length < this.batchSize) this.reachedHead = true;
    } catch {
      // A page the engine itself will judge; the estimate just learns nothing from it.
    }
  }

  private async probeHead(base: FetchLike, logsUrl: URL, authorization: string): Promise<void> {
    try {
      const u = new URL(logsUrl.href);
      u.search = new URLSearchParams({ sort: 'date:-1', per_page: '1', page: '0' }).toString();
      const res = await base(u.href, { headers: { authorization, accept: 'application/json' }, signal: this.signal });
      if (!res.ok) return;
      const body = (await res.json()) as Dated[] | { logs?: Dated[] };
      const head = Array.isArray(body) ? body[0] : body.logs?.[0];
      this.headMs = dateOf(head);
    } catch {
      // No head, no ETA: the bar shows the work done instead.
    }
  }

  /** Fills total and ETA when the engine could not (no MAX_LOGS): exact once the head was reached. */
  adjust(p: RunProgress): RunProgress {
    if (p.total !== null) return p;
    let total: number | null = null;
    if (this.reachedHead) total = this.fetched;
    else if (Number.isFinite(this.headMs) && Number.isFinite(this.startMs) && Number.isFinite(this.lastMs) && this.headMs - this.startMs >= MIN_SPAN_MS) {
      const fraction = (this.lastMs - this.startMs) / (this.headMs - this.startMs);
      // Too early, or logs in bursts the dates cannot tell apart: no estimate rather than a wild one.
      if (fraction >= MIN_FRACTION && fraction <= 1) total = Math.max(this.fetched, Math.round(this.fetched / fraction));
    }
    if (total === null) return p;
    const eta = p.logsPerSecond > 0 ? Math.max(0, (total - p.processed) / p.logsPerSecond) : null;
    return { ...p, total, totalEstimated: !this.reachedHead, etaSeconds: p.phase === 'done' ? 0 : eta };
  }
}

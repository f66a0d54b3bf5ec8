import type { ExportProgress } from './report';

/** The run's counters, as the report and progress events carry them. */
export interface Counters {
  processed: number;
  filtered: number;
  delivered: number;
  rejected: number;
  batches: number;
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
}

/**
 * An estimate needs evidence: before this much of the run (time since the first log, and share
 * done) a fraction-based ETA is noise. A 2,000-log replay that ends in 2 s never shows one.
 */
const MIN_ETA_ELAPSED_MS = 2_000;
const MIN_ETA_FRACTION = 0.05;

/**
 * Counters, phase and progress events of one run. The share done is known from log counts when
 * MAX_LOGS bounds the run, and from dates when the head (newest log at the start) is known: the
 * span of log time covered against the span to the head. Without either it is null, never a guess.
 */
export class Progress {
  readonly c: Counters = {
    processed: 0,
    filtered: 0,
    delivered: 0,
    rejected: 0,
    batches: 0,
    retries: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
  };
  phase: ExportProgress['phase'] = 'starting';
  checkpoint: string | null;
  private head: { id: string; ms: number } | null = null;
  private firstMs: number | null = null;
  private lastMs: number | null = null;
  private firstAt: number | null = null;
  private lastEmit = 0;
  private readonly started: number;

  constructor(
    private readonly opts: {
      onProgress?: (p: ExportProgress) => void;
      intervalMs: number;
      maxLogs: number | null;
      start: string | null;
      now?: () => number;
    },
  ) {
    this.checkpoint = opts.start;
    this.started = this.now();
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  get watched(): boolean {
    return this.opts.onProgress !== undefined;
  }

  setHead(id: string, date: string | undefined): void {
    const ms = Date.parse(date ?? '');
    if (Number.isFinite(ms)) this.head = { id, ms };
  }

  /** One log read from the source. */
  noteLog(date: string | undefined): void {
    this.c.processed++;
    if (this.firstAt === null) this.firstAt = this.now();
    if (!this.head) return;
    const ms = Date.parse(date ?? '');
    if (!Number.isFinite(ms)) return;
    if (this.firstMs === null) this.firstMs = ms;
    // Dates may step back a little (log_id order is not date order): the covered span never shrinks.
    this.lastMs = Math.max(this.lastMs ?? ms, ms);
  }

  /** Share done, 0..1, or null when the end is not known. */
  fraction(): number | null {
    if (this.phase === 'done') return 1;
    const { maxLogs } = this.opts;
    const byCount = maxLogs !== null ? Math.min(1, this.c.processed / maxLogs) : null;
    const h = this.head;
    const byDate =
      h && this.firstMs !== null && this.lastMs !== null && h.ms > this.firstMs
        ? Math.min(1, Math.max(0, (this.lastMs - this.firstMs) / (h.ms - this.firstMs)))
        : null;
    // MAX_LOGS is an upper bound: when the head comes first, the dates say so.
    if (byCount === null) return byDate;
    return byDate === null ? byCount : Math.max(byCount, byDate);
  }

  /** Seconds to go from the share done per second so far, once there is evidence enough; else null. */
  etaSeconds(fraction: number | null): number | null {
    if (this.phase === 'done') return 0;
    if (fraction === null || this.firstAt === null || fraction >= 1) return null;
    const elapsed = this.now() - this.firstAt;
    if (elapsed < MIN_ETA_ELAPSED_MS || fraction < MIN_ETA_FRACTION) return null;
    return ((elapsed / 1000) * (1 - fraction)) / fraction;
  }

  emit(force = false, message?: string): void {
    const on = this.opts.onProgress;
    if (!on) return;
    const now = this.now();
    if (!force && now - this.lastEmit < this.opts.intervalMs) return;
    this.lastEmit = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const fraction = this.fraction();
    on({
      phase: this.phase,
      ...pickCounts(this.c),
      logsPerSecond: Math.round(this.c.processed / secs),
      checkpoint: this.checkpoint,
      total: this.opts.maxLogs,
      head: this.head?.id ?? null,
      fraction,
      etaSeconds: this.etaSeconds(fraction),
      ...(message ? { message } : {}),
    });
  }
}

/** The counters a progress event carries. */
export function pickCounts(c: Counters) {
  return {
    processed: c.processed,
    filtered: c.filtered,
    delivered: c.delivered,
    rejected: c.rejected,
    batches: c.batches,
    retries: c.retries,
  };
}

import type { FleetProgress } from '../../common/contract/fleet';
import type { FleetWire } from './wire';

export type ProgressReport = Omit<FleetProgress, 'id' | 'kind'>;

/**
 * Counts of a scan or search, with an ETA from the pace so far, reported at most every `everyMs`
 * (the last state always goes out), so 1,000 tenants do not mean 1,000 events.
 */
export class Progress {
  total: number | null = null;
  done = 0;
  failed = 0;
  discovered = 0;
  phase: ProgressReport['phase'] = 'discovering';
  private readonly started = Date.now();
  private scanStarted = 0;
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly wire: FleetWire,
    private readonly emit: (p: ProgressReport) => void,
    private readonly everyMs = 200,
  ) {}

  /** Done before this run started (a resumed scan): not part of the pace. */
  private base = 0;

  startScanning(total: number): void {
    this.phase = 'scanning';
    this.total = total;
    this.base = this.done;
    this.scanStarted = Date.now();
    this.tick();
  }

  snapshot(state: ProgressReport['state'] = 'running', message?: string): ProgressReport {
    const elapsed = Date.now() - this.scanStarted;
    const left = this.total === null ? null : this.total - this.done;
    return {
      state,
      phase: this.phase,
      total: this.total,
      done: this.done,
      failed: this.failed,
      discovered: this.discovered,
      requests: this.wire.requests,
      rateLimited: this.wire.gate.limited,
      waitingUntil: this.wire.gate.waitingUntil(),
      startedAt: new Date(this.started).toISOString(),
      etaMs:
        state !== 'running' ? 0 : left !== null && this.done > this.base ? Math.round((elapsed / (this.done - this.base)) * left) : null,
      ...(message ? { message } : {}),
    };
  }

  /** Something changed: report now, or once the interval is over. */
  tick(): void {
    const now = Date.now();
    if (now - this.last >= this.everyMs) {
      this.last = now;
      this.emit(this.snapshot());
    } else if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.last = Date.now();
          this.emit(this.snapshot());
        },
        this.everyMs - (now - this.last),
      );
    }
  }

  finish(state: Exclude<ProgressReport['state'], 'running'>, message?: string): ProgressReport {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.snapshot(state, message);
    this.emit(p);
    return p;
  }
}

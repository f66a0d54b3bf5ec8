// Cron scheduler: jobs really fire on their schedule (cron-parser), on a clock that `clockSpeed`
// may accelerate; each run POSTs the job record to the webtask and records the result.
import { CronExpressionParser } from 'cron-parser';
import type { CronHistoryItem, CronJobRecord, Store } from './store';
import { ApiError } from './http';

export class Clock {
  private readonly realStart = Date.now();
  constructor(readonly speed: number) {}
  now(): number {
    return this.realStart + (Date.now() - this.realStart) * this.speed;
  }
}

export function validateSchedule(schedule: unknown, tz: unknown): { schedule: string; tz: string } {
  if (typeof schedule !== 'string' || !schedule.trim())
    throw new ApiError(400, 'schedule is required: a 5-field cron expression such as "*/10 * * * *"');
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new ApiError(
      400,
      `schedule must have 5 fields (minute hour day month weekday), got ${fields.length}: "${schedule.slice(0, 80)}"`,
    );
  const zone = tz === undefined || tz === null || tz === '' ? 'UTC' : tz;
  if (typeof zone !== 'string') throw new ApiError(400, 'tz must be an IANA time zone name such as "Europe/Paris"');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ApiError(400, `tz "${zone.slice(0, 60)}" is not a known IANA time zone`);
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: zone, strict: false });
  } catch (err) {
    throw new ApiError(400, `schedule "${schedule.slice(0, 80)}" is not a valid cron expression: ${(err as Error).message}`);
  }
  return { schedule: fields.join(' '), tz: zone };
}

export function nextRun(schedule: string, tz: string, after: number): number {
  const expr = CronExpressionParser.parse(schedule, { tz, currentDate: new Date(after) });
  return expr.next().getTime();
}

export interface Fire {
  (job: CronJobRecord): Promise<{ status: number; headers: Record<string, string>; body: string; error?: string }>;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    readonly clock: Clock,
    private readonly fire: Fire,
    private readonly onFired: (job: CronJobRecord, item: CronHistoryItem) => void,
  ) {}

  start(): void {
    // Tick often enough that an accelerated clock still fires every due minute in order.
    const tick = Math.max(20, Math.min(500, Math.floor(1000 / this.clock.speed)));
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private tick(): void {
    const now = this.clock.now();
    for (const c of this.store.containers.values()) {
      for (const job of c.cron.values()) {
        if (job.state !== 'active' || job.running) continue;
        const due = Date.parse(job.next_available_at);
        if (due > now) continue;
        if (job.expires_at && Date.parse(job.expires_at) <= now) continue;
        const it = CronExpressionParser.parse(job.schedule, { tz: job.tz, currentDate: new Date(now) });
        job.next_available_at = new Date(it.next().getTime()).toISOString();
        // Occurrences missed while the job was running (or the host asleep) are one run, for the latest of
        // them: so the recorded schedule time is always the occurrence just before `next_available_at`.
        void this.runJob(job, new Date(Math.max(due, it.prev().getTime())).toISOString());
      }
    }
  }

  /** Runs a job now (or at its due time) and records the result in its history. */
  async runJob(job: CronJobRecord, scheduledAt: string): Promise<CronHistoryItem> {
    job.running = true;
    const started = Date.now();
    let item: CronHistoryItem;
    try {
      const r = await this.fire(job);
      const ok = r.status >= 200 && r.status < 300;
      item = {
        scheduled_at: scheduledAt,
        started_at: new Date(started).toISOString(),
        completed_at: new Date().toISOString(),
        type: ok ? 'success' : 'error',
        statusCode: r.status,
        body: r.body.length > 16384 ? `${r.body.slice(0, 16384)}...` : r.body,
        headers: r.headers,
        duration_ms: Date.now() - started,
        ...(r.error ? { error: r.error } : {}),
      };
    } catch (err) {
      item = {
        scheduled_at: scheduledAt,
        started_at: new Date(started).toISOString(),
        completed_at: new Date().toISOString(),
        type: 'error',
        statusCode: 0,
        body: '',
        headers: {},
        duration_ms: Date.now() - started,
        error: (err as Error).message,
      };
    }
    job.running = false;
    job.run_count++;
    if (item.type === 'error') job.error_count++;
    job.last_scheduled_at = scheduledAt;
    job.history.unshift(item);
    if (job.history.length > 100) job.history.length = 100;
    this.onFired(job, item);
    return item;
  }
}

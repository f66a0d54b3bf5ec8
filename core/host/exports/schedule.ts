// Cron expressions in words and as run times: cron-parser (with the job's time zone) gives the
// times, cronstrue the words; both are the libraries made for it.
import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import type { ScheduleView } from '../../../common/contract';
import { HostError } from '../../util/errors';

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Validates like the platform (5 fields, IANA zone) and returns the words and the next `count` runs. */
export function describeSchedule(schedule: string, tz: string, count = 5, from: Date = new Date()): ScheduleView {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new HostError(
      'invalid_input',
      `A schedule has 5 fields (minute hour day-of-month month day-of-week), e.g. "*/10 * * * *"; "${schedule.slice(0, 80)}" has ${fields.length}.`,
    );
  }
  const zone = tz.trim() || 'UTC';
  if (!validTimeZone(zone))
    throw new HostError(
      'invalid_input',
      `"${zone.slice(0, 64)}" is not a known time zone: use an IANA name such as UTC, Europe/Paris or America/New_York.`,
    );
  const expr = fields.join(' ');
  let next: string[];
  try {
    const it = CronExpressionParser.parse(expr, { tz: zone, currentDate: from, strict: false });
    next = it.take(count).map((d) => d.toISOString() ?? '');
  } catch (e) {
    throw new HostError('invalid_input', `"${expr.slice(0, 80)}" is not a valid cron expression: ${(e as Error).message}.`);
  }
  let description: string;
  try {
    description = cronstrue.toString(expr, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    description = expr;
  }
  return { schedule: expr, tz: zone, description: zone === 'UTC' ? `${description} (UTC)` : `${description} (${zone} time)`, next };
}

import type { ExportJob } from '../../../../common/contract';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The tail's text filter matches a line's message: the platform's cron lines name the job, the
 * export's own lines say "export to <destination>" (records carry the job in `webtask`, which the
 * tail's filter does not look at).
 */
export function jobLogFilter(job: ExportJob) {
  const parts = [escapeRe(job.name)];
  if (job.destination.kind !== 'unknown') parts.push(`export to ${escapeRe(job.destination.kind)}\\b`);
  return { text: parts.join('|'), regex: true };
}

/**
 * The one place where a contract field (a zod issue path) gets the label its form shows, so an
 * error reads "Cluster URL: must be an http(s) URL" rather than "url: ...". Channel-specific
 * labels first (a `name` is a profile's in one form and a tenant's in another), then common ones.
 */
import type { ApiError } from '../../../common/contract';

const BY_CHANNEL: Record<string, Record<string, string>> = {
  'profiles.save': {
    name: 'Name',
    url: 'Cluster URL',
    container: 'Default container',
    token: 'Master token',
    label: 'Tab label',
    colour: 'Tab colour',
  },
  'profiles.test': { url: 'Cluster URL', container: 'Default container', token: 'Master token' },
  'tenants.add': { name: 'Add tenant' },
  'tenants.remove': { name: 'Tenant' },
  'tenants.pin': { name: 'Tenant' },
  'logs.open': { container: 'Container to tail' },
  'exports.jobs': { container: 'Tenant name' },
  'exports.previewSchedule': { schedule: 'Cron expression', tz: 'Time zone' },
  'exports.reschedule': { schedule: 'Cron expression', tz: 'Time zone' },
  'exports.replayRemote': { checkpoint: 'Checkpoint' },
  'exports.replayLocal': { from: 'Checkpoint' },
  'webtasks.list': { nameContains: 'Name contains', meta: 'Meta filter' },
  'bulk.preview': { tenants: 'Selected job' },
  'bulk.start': { tenants: 'Selected job', concurrency: 'Tenants at once' },
  'bulk.select': { select: 'Destination host' },
};

const COMMON: Record<string, string> = {
  container: 'Tenant',
  name: 'Extension',
  method: 'Method',
  path: 'Path',
  query: 'Query',
  headers: 'Headers',
  body: 'Body',
  profileId: 'Profile',
};

/** "headers.2.name" → "Headers (row 3) name"; unknown keys are shown as they are. */
export function labelOf(channel: string | undefined, path: readonly string[]): string {
  if (path.length === 0) return '';
  const [head, ...rest] = path;
  const label = (channel && BY_CHANNEL[channel]?.[head!]) ?? COMMON[head!] ?? head!;
  const tail = rest.map((p) => (/^\d+$/.test(p) ? `(row ${Number(p) + 1})` : p)).join(' ');
  return tail ? `${label} ${tail}` : label;
}

interface Issue {
  path: string[];
  message: string;
}
const isIssues = (v: unknown): v is Issue[] =>
  Array.isArray(v) &&
  v.every((i) => i && typeof i === 'object' && Array.isArray((i as Issue).path) && typeof (i as Issue).message === 'string');

/** An `invalid_input` error rewritten with the form's labels; other errors as they are. */
export function inWords(error: ApiError): ApiError {
  if (error.code !== 'invalid_input' || !error.detail || typeof error.detail !== 'object') return error;
  const { channel, issues } = error.detail as { channel?: unknown; issues?: unknown };
  if (!isIssues(issues) || issues.length === 0) return error;
  const ch = typeof channel === 'string' ? channel : undefined;
  const message = issues
    .map((i) => {
      const label = labelOf(ch, i.path);
      // A message that already names its field ("Cluster URL must be ...") is not labelled twice.
      return label && !i.message.startsWith(label) ? `${label}: ${i.message}` : i.message;
    })
    .join('\n');
  return { ...error, message };
}

/**
 * The cron API of the webtask protocol (docs/webtask-protocol.md, "Cron jobs"), as `wt cron`
 * speaks it, plus "run now": the platform has no such call, so a job runs now by POSTing its record
 * to `/api/run/{c}/{name}`, exactly as the scheduler does.
 */
import { z } from 'zod';
import { HostError } from '../util/errors';
import { type RawResponse, type WebtaskClient } from './client';

const enc = encodeURIComponent;

const str = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const int = z
  .number()
  .int()
  .nullish()
  .transform((v) => v ?? 0);

/** A job as the cluster sends it; unknown fields are kept (a run posts the record back as is). */
export const WireCronJob = z.looseObject({
  name: z.string(),
  container: z.string().optional(),
  state: z.enum(['active', 'inactive']).catch('inactive'),
  schedule: z.string(),
  tz: z
    .string()
    .nullish()
    .transform((v) => v || 'UTC'),
  token: z.string().optional(),
  meta: z.record(z.string(), z.string()).optional(),
  next_available_at: str,
  created_at: str,
  run_count: int,
  error_count: int,
  results: z
    .array(z.looseObject({ type: z.string(), completed_at: str, statusCode: z.number().int().nullish() }))
    .optional()
    .catch(undefined),
});
export type WireCronJob = z.infer<typeof WireCronJob>;

export const WireHistoryItem = z.looseObject({
  scheduled_at: str,
  started_at: str,
  completed_at: str,
  type: z.string(),
  statusCode: z.number().int().nullish(),
  body: z.string().nullish(),
  headers: z.record(z.string(), z.unknown()).nullish(),
  duration_ms: z.number().nullish(),
  error: z.string().nullish(),
});
export type WireHistoryItem = z.infer<typeof WireHistoryItem>;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new HostError(
      'bad_response',
      `The cluster answered ${what} with an unexpected shape (${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid'}).`,
    );
  }
  return r.data;
}

/** Every job of a container (pages of `limit` until a short one; bounded). */
export async function listCronJobs(
  client: WebtaskClient,
  container: string,
  opts: { limit?: number; maxPages?: number } = {},
): Promise<WireCronJob[]> {
  const limit = opts.limit ?? 100;
  const out: WireCronJob[] = [];
  for (let page = 0; page < (opts.maxPages ?? 50); page++) {
    const offset = page * limit;
    const what = `listing the cron jobs of "${container}"`;
    const items = parse(
      z.array(WireCronJob),
      await client.json('GET', `/api/cron/${enc(container)}`, { query: { offset: offset || undefined, limit } }),
      what,
    );
    out.push(...items);
    if (items.length < limit) break;
  }
  return out;
}

export async function getCronJob(client: WebtaskClient, container: string, name: string): Promise<WireCronJob> {
  return parse(WireCronJob, await client.json('GET', `/api/cron/${enc(container)}/${enc(name)}`), `reading cron job "${name}"`);
}

/** Newest first; the platform keeps the last 100. */
export async function cronHistory(
  client: WebtaskClient,
  container: string,
  name: string,
  opts: { offset?: number; limit?: number } = {},
): Promise<WireHistoryItem[]> {
  const res = await client.json('GET', `/api/cron/${enc(container)}/${enc(name)}/history`, {
    query: { offset: opts.offset || undefined, limit: opts.limit ?? 100 },
  });
  return parse(z.array(WireHistoryItem), res, `reading the history of cron job "${name}"`);
}

export async function setCronState(
  client: WebtaskClient,
  container: string,
  name: string,
  state: 'active' | 'inactive',
): Promise<WireCronJob> {
  return parse(
    WireCronJob,
    await client.json('PUT', `/api/cron/${enc(container)}/${enc(name)}/state`, { body: { state } }),
    `setting the state of cron job "${name}"`,
  );
}

/** Create or replace a job. Like `wt cron reschedule`, callers pass the job's token, state and meta back so nothing else changes. */
export async function putCronJob(
  client: WebtaskClient,
  container: string,
  name: string,
  body: { schedule: string; tz?: string; token?: string; state?: 'active' | 'inactive'; meta?: Record<string, string> },
): Promise<WireCronJob> {
  return parse(WireCronJob, await client.json('PUT', `/api/cron/${enc(container)}/${enc(name)}`, { body }), `saving cron job "${name}"`);
}

/** Runs a job now: the job record POSTed to the webtask, as a scheduled run does. No profile token goes to the extension. */
export async function runCronJobNow(
  client: WebtaskClient,
  container: string,
  name: string,
  job: WireCronJob | Record<string, unknown>,
  signal?: AbortSignal,
): Promise<RawResponse> {
  return client.raw('POST', `/api/run/${enc(container)}/${enc(name)}`, {
    body: JSON.stringify(job),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    auth: false,
    signal,
  });
}

/** Webtask storage (`GET /api/webtask/{c}/{name}/data`): where the export jobs keep `{checkpointId}`. */
export async function readWebtaskData(client: WebtaskClient, container: string, name: string): Promise<unknown> {
  const r = await client.json<{ data?: unknown }>('GET', `/api/webtask/${enc(container)}/${enc(name)}/data`);
  if (!r || typeof r.data !== 'string') return undefined;
  try {
    return JSON.parse(r.data) as unknown;
  } catch {
    throw new HostError('bad_response', `The storage of "${name}" does not hold JSON.`);
  }
}

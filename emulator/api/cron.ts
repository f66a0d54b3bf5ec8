// /api/cron: create/update, list, get, history, state, delete.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, matchesMeta, metaFilter, paging, readJsonObject, sendJson, stringMap } from '../http';
import { NAME_RX, type CronJobRecord } from '../store';
import { nextRun, validateSchedule } from '../cron';
import { TokenError } from '../tokens';
import { authorize, requireContainer, type Cluster } from './context';

export function jobView(job: CronJobRecord): Record<string, unknown> {
  return {
    container: job.container,
    name: job.name,
    state: job.state,
    schedule: job.schedule,
    tz: job.tz,
    token: job.token,
    ...(job.meta ? { meta: job.meta } : {}),
    next_available_at: job.next_available_at,
    created_at: job.created_at,
    updated_at: job.updated_at,
    expires_at: job.expires_at,
    last_scheduled_at: job.last_scheduled_at ?? null,
    run_count: job.run_count,
    error_count: job.error_count,
    results: job.history
      .slice(0, 10)
      .map((h) => ({ type: h.type, completed_at: h.completed_at, scheduled_at: h.scheduled_at, statusCode: h.statusCode })),
  };
}

function findJob(cluster: Cluster, container: string, name: string): CronJobRecord {
  const job = requireContainer(cluster, container).cron.get(name);
  if (!job) throw new ApiError(404, `cron job \`${name}\` not found in container \`${container}\``);
  return job;
}

export interface CronInput {
  schedule?: unknown;
  tz?: unknown;
  state?: unknown;
  meta?: unknown;
  token?: unknown;
}

/** Creates or replaces a job; used by the API and the seed. */
export function saveJob(cluster: Cluster, container: string, name: string, input: CronInput): { job: CronJobRecord; created: boolean } {
  if (!NAME_RX.test(name)) throw new ApiError(400, `invalid cron job name "${name.slice(0, 80)}"`);
  const { schedule, tz } = validateSchedule(input.schedule, input.tz);
  if (input.state !== undefined && input.state !== 'active' && input.state !== 'inactive')
    throw new ApiError(400, 'state must be "active" or "inactive"');
  const meta = stringMap(input.meta, 'meta');
  const c = cluster.store.ensure(container);
  let token: string;
  if (input.token !== undefined) {
    if (typeof input.token !== 'string') throw new ApiError(400, 'token must be a string');
    try {
      const v = cluster.tokens.verify(input.token);
      if (v.kind !== 'webtask' || v.claims.ten !== container)
        throw new ApiError(400, 'token must be the token of a webtask in this container');
    } catch (err) {
      if (err instanceof TokenError) throw new ApiError(400, `token is not valid: ${err.message}`);
      throw err;
    }
    token = input.token;
  } else {
    const w = c.webtasks.get(name);
    if (!w)
      throw new ApiError(
        404,
        `webtask \`${name}\` not found in container \`${container}\`: create it before scheduling it, or pass its token`,
      );
    token = cluster.webtaskToken(w);
  }
  const prev = c.cron.get(name);
  const now = new Date(cluster.scheduler.clock.now()).toISOString();
  const job: CronJobRecord = {
    container,
    name,
    state: (input.state as 'active' | 'inactive' | undefined) ?? 'active',
    schedule,
    tz,
    token,
    ...(meta ? { meta } : {}),
    next_available_at: new Date(nextRun(schedule, tz, cluster.scheduler.clock.now())).toISOString(),
    created_at: prev?.created_at ?? now,
    updated_at: now,
    expires_at: null,
    run_count: prev?.run_count ?? 0,
    error_count: prev?.error_count ?? 0,
    history: prev?.history ?? [],
    ...(prev?.last_scheduled_at ? { last_scheduled_at: prev.last_scheduled_at } : {}),
  };
  c.cron.set(name, job);
  return { job, created: !prev };
}

export async function putJob(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  container: string,
  name: string,
): Promise<void> {
  authorize(cluster, req, url, container);
  const body = await readJsonObject(
    req,
    cluster.maxBodyBytes,
    'the request body must be a JSON object {schedule, token?, state?, meta?, tz?}',
  );
  const { job, created } = saveJob(cluster, container, name, body);
  cluster.platformLog(container, `cron job ${created ? 'created' : 'updated'}: ${name} (${job.schedule} ${job.tz})`, {
    webtask: name,
    event: created ? 'cron.created' : 'cron.updated',
  });
  sendJson(res, created ? 201 : 200, jobView(job));
}

export function listJobs(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string): void {
  authorize(cluster, req, url, container);
  const { offset, limit } = paging(url);
  const filter = metaFilter(url);
  const c = cluster.store.get(container);
  const jobs = c ? [...c.cron.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).filter((j) => matchesMeta(j.meta, filter)) : [];
  sendJson(res, 200, jobs.slice(offset, offset + limit).map(jobView));
}

export function getJob(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string, name: string): void {
  authorize(cluster, req, url, container);
  sendJson(res, 200, jobView(findJob(cluster, container, name)));
}

export function jobHistory(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string, name: string): void {
  authorize(cluster, req, url, container);
  const { offset, limit } = paging(url, 20, 100);
  const job = findJob(cluster, container, name);
  sendJson(
    res,
    200,
    job.history.slice(offset, offset + limit).map(({ duration_ms: _d, ...h }) => ({ ...h, duration_ms: _d })),
  );
}

export async function putState(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  container: string,
  name: string,
): Promise<void> {
  authorize(cluster, req, url, container);
  const job = findJob(cluster, container, name);
  const shape = 'the request body must be {"state": "active"} or {"state": "inactive"}';
  const body = await readJsonObject(req, cluster.maxBodyBytes, shape);
  if (body.state !== 'active' && body.state !== 'inactive') throw new ApiError(400, shape);
  job.state = body.state;
  job.updated_at = new Date(cluster.scheduler.clock.now()).toISOString();
  if (job.state === 'active') job.next_available_at = new Date(nextRun(job.schedule, job.tz, cluster.scheduler.clock.now())).toISOString();
  cluster.platformLog(container, `cron job ${name} is now ${job.state}`, { webtask: name, event: 'cron.state' });
  sendJson(res, 200, jobView(job));
}

export function deleteJob(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string, name: string): void {
  authorize(cluster, req, url, container);
  findJob(cluster, container, name);
  cluster.store.get(container)!.cron.delete(name);
  cluster.platformLog(container, `cron job deleted: ${name}`, { webtask: name, event: 'cron.deleted' });
  res.writeHead(204);
  res.end();
}

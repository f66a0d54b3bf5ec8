// /admin: the emulator's own control API (master token only): faults, log floods, resume switch.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, isRecord, readJson, readJsonObject, sendJson } from '../http';
import type { Faults } from '../faults';
import type { FloodHandle } from '../types';
import { isStatsHeaderMode, STATS_HEADER_MODES } from '../stats-header';
import { authenticate, type Cluster } from './context';

export interface AdminDeps {
  faults: Faults;
  flood(container: string, rate: number, count?: number): FloodHandle;
  floods: Map<string, FloodHandle>;
  fireCron(container: string, name: string): Promise<unknown>;
}

function master(cluster: Cluster, req: IncomingMessage, url: URL): void {
  const v = authenticate(cluster, req, url);
  if (v.kind !== 'master') throw new ApiError(403, 'the admin API requires the master token');
}

export async function admin(cluster: Cluster, deps: AdminDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  if (path === '/admin/health') {
    sendJson(res, 200, { ok: true, containers: cluster.store.containers.size, workers: cluster.pool.workerCount() });
    return;
  }
  master(cluster, req, url);
  let m: RegExpExecArray | null;
  if (path === '/admin/faults') {
    if (method === 'GET') return sendJson(res, 200, deps.faults.list());
    if (method === 'POST') {
      const body = await readJson(req, 1024 * 1024);
      const rules = Array.isArray(body) ? body : [body];
      const added = rules.map((r) => deps.faults.add(r as never));
      return sendJson(res, 201, Array.isArray(body) ? added : added[0]);
    }
    if (method === 'DELETE') {
      deps.faults.clear();
      res.writeHead(204);
      res.end();
      return;
    }
  }
  if ((m = /^\/admin\/faults\/([^/]+)$/.exec(path)) && method === 'DELETE') {
    if (!deps.faults.remove(m[1]!)) throw new ApiError(404, `fault rule ${m[1]} not found`);
    res.writeHead(204);
    res.end();
    return;
  }
  if ((m = /^\/admin\/logs\/([^/]+)\/flood$/.exec(path))) {
    const container = decodeURIComponent(m[1]!);
    if (method === 'POST') {
      const shape = 'the request body must be {rate: lines per second (1..1000000), count?: total lines}';
      const body = await readJsonObject(req, 64 * 1024, shape);
      if (typeof body.rate !== 'number' || !(body.rate > 0) || body.rate > 1_000_000) throw new ApiError(400, shape);
      if (body.count !== undefined && (typeof body.count !== 'number' || !(body.count > 0)))
        throw new ApiError(400, 'count must be a positive number');
      const h = deps.flood(container, body.rate, body.count as number | undefined);
      return sendJson(res, 201, { id: h.id, container, rate: h.rate });
    }
    if (method === 'GET')
      return sendJson(
        res,
        200,
        [...deps.floods.values()].filter((f) => f.container === container).map((f) => ({ id: f.id, rate: f.rate, sent: f.sent })),
      );
    if (method === 'DELETE') {
      let sent = 0;
      for (const f of [...deps.floods.values()])
        if (f.container === container) {
          sent += f.sent;
          f.stop();
        }
      return sendJson(res, 200, { stopped: true, sent });
    }
  }
  if ((m = /^\/admin\/logs\/([^/]+)\/resume$/.exec(path)) && method === 'PUT') {
    const shape = 'the request body must be {"enabled": true|false}';
    const body = await readJsonObject(req, 1024, shape);
    if (typeof body.enabled !== 'boolean') throw new ApiError(400, shape);
    cluster.logs.setResume(decodeURIComponent(m[1]!), body.enabled);
    return sendJson(res, 200, { container: decodeURIComponent(m[1]!), resume: body.enabled });
  }
  // Drops every open log stream of a container now, as a network cut would (clients reconnect).
  if ((m = /^\/admin\/logs\/([^/]+)\/cut$/.exec(path)) && method === 'POST') {
    const cut = cluster.logs.cut(decodeURIComponent(m[1]!));
    return sendJson(res, 200, { container: decodeURIComponent(m[1]!), cut });
  }
  if ((m = /^\/admin\/logs\/([^/]+)\/emit$/.exec(path)) && method === 'POST') {
    const body = await readJson(req, 1024 * 1024);
    const records = Array.isArray(body) ? body : [body];
    if (!records.every(isRecord)) throw new ApiError(400, 'the request body must be a bunyan record object or an array of them');
    const ids = records.map((r) => cluster.logs.emit(decodeURIComponent(m![1]!), r as Record<string, unknown>));
    return sendJson(res, 200, { ids });
  }
  if (path === '/admin/stats-header') {
    if (method === 'GET') return sendJson(res, 200, cluster.statsHeaders.list());
    if (method === 'PUT') {
      const shape = `the request body must be {"header": ${STATS_HEADER_MODES.map((h) => `"${h}"`).join(' | ')} | null, "container"?: name, "name"?: extension}`;
      const body = await readJsonObject(req, 4096, shape);
      if (!(body.header === null || isStatsHeaderMode(body.header))) throw new ApiError(400, shape);
      if (body.container !== undefined && typeof body.container !== 'string') throw new ApiError(400, 'container must be a string');
      if (body.name !== undefined && (typeof body.name !== 'string' || body.container === undefined))
        throw new ApiError(400, 'name must be a string, with a container');
      if (body.header === null && body.container === undefined)
        throw new ApiError(400, 'null removes a container or extension override; the global header can only be changed');
      const target =
        typeof body.container === 'string'
          ? { container: body.container, ...(typeof body.name === 'string' ? { name: body.name } : {}) }
          : undefined;
      cluster.statsHeaders.set(body.header, target);
      return sendJson(res, 200, cluster.statsHeaders.list());
    }
  }
  if ((m = /^\/admin\/cron\/([^/]+)\/([^/]+)\/run$/.exec(path)) && method === 'POST') {
    const item = await deps.fireCron(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    return sendJson(res, 200, item);
  }
  throw new ApiError(404, `no admin route ${method} ${path}`);
}

// The HTTP front: fault layer first, then mounted handlers by prefix, then the webtask API.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError, sendError } from './http';
import type { Faults } from './faults';
import type { Mount } from './types';
import type { Cluster } from './api/context';
import { authorize } from './api/context';
import * as wt from './api/webtasks';
import * as cron from './api/cron';
import { runAnonymous, runNamed } from './api/run';
import { admin, type AdminDeps } from './api/admin';

type Handler = (m: string[], req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
interface Route {
  method: string | '*';
  rx: RegExp;
  handler: Handler;
}

const SEG = '([^/]+)';

export function buildRoutes(cluster: Cluster): Route[] {
  const c = cluster;
  const r = (method: string, path: string, handler: Handler): Route => ({ method, rx: new RegExp(`^${path}/?$`), handler });
  return [
    r('GET', '/api/webtask', (_m, req, res, url) => wt.listAll(c, req, res, url)),
    r('GET', `/api/webtask/${SEG}`, ([ct], req, res, url) => wt.listWebtasks(c, req, res, url, ct!)),
    r('GET', `/api/webtask/${SEG}/${SEG}/data`, ([ct, n], req, res, url) => wt.getData(c, req, res, url, ct!, n!)),
    r('PUT', `/api/webtask/${SEG}/${SEG}/data`, ([ct, n], req, res, url) => wt.putData(c, req, res, url, ct!, n!)),
    r('GET', `/api/webtask/${SEG}/${SEG}`, ([ct, n], req, res, url) => wt.getWebtask(c, req, res, url, ct!, n!)),
    r('PUT', `/api/webtask/${SEG}/${SEG}`, ([ct, n], req, res, url) => wt.upsertWebtask(c, req, res, url, ct!, n!)),
    r('DELETE', `/api/webtask/${SEG}/${SEG}`, ([ct, n], req, res, url) => wt.deleteWebtask(c, req, res, url, ct!, n!)),
    r('POST', '/api/tokens/issue', (_m, req, res, url) => wt.issueToken(c, req, res, url)),
    r('GET', '/api/tokens/inspect', (_m, req, res, url) => wt.inspectToken(c, req, res, url)),
    r('POST', '/api/tokens/revoke', (_m, req, res, url) => wt.revokeToken(c, req, res, url)),
    r('GET', `/api/logs/tenant/${SEG}`, ([ct], req, res, url) => {
      authorize(c, req, url, ct!);
      c.logs.serve(req, res, ct!, url);
    }),
    r('GET', `/api/cron/${SEG}`, ([ct], req, res, url) => cron.listJobs(c, req, res, url, ct!)),
    r('GET', `/api/cron/${SEG}/${SEG}/history`, ([ct, n], req, res, url) => cron.jobHistory(c, req, res, url, ct!, n!)),
    r('PUT', `/api/cron/${SEG}/${SEG}/state`, ([ct, n], req, res, url) => cron.putState(c, req, res, url, ct!, n!)),
    r('GET', `/api/cron/${SEG}/${SEG}`, ([ct, n], req, res, url) => cron.getJob(c, req, res, url, ct!, n!)),
    r('PUT', `/api/cron/${SEG}/${SEG}`, ([ct, n], req, res, url) => cron.putJob(c, req, res, url, ct!, n!)),
    r('DELETE', `/api/cron/${SEG}/${SEG}`, ([ct, n], req, res, url) => cron.deleteJob(c, req, res, url, ct!, n!)),
    r('*', `/api/run/${SEG}/${SEG}(/.*)?`, ([ct, n, rest], req, res, url) => runNamed(c, req, res, url, ct!, n!, rest ?? '')),
    r('*', `/api/run/${SEG}`, ([ct], req, res, url) => runAnonymous(c, req, res, url, ct!)),
  ];
}

export interface ServerDeps {
  cluster: Cluster;
  faults: Faults;
  mounts: Mount[];
  adminDeps: AdminDeps;
  verbose: boolean;
  quiet: boolean;
}

export function createEmulatorServer(deps: ServerDeps): Server {
  const routes = buildRoutes(deps.cluster);
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const t0 = performance.now();
    if (deps.verbose) {
      res.once('close', () => {
        // Path only: a `key=` query parameter would put a token in the log.
        const path = (req.url ?? '').split('?')[0];
        console.error(`${req.method} ${path} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`);
      });
    }
    handle(deps, routes, req, res).catch((err: unknown) => fail(deps, req, res, err));
  });
  return server;
}

async function handle(deps: ServerDeps, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    throw new ApiError(400, 'malformed request URL');
  }
  if (url.pathname.startsWith('/admin/')) return admin(deps.cluster, deps.adminDeps, req, res, url);
  if (await deps.faults.apply(req, res, url)) return;
  for (const mount of deps.mounts) {
    if (url.pathname === mount.prefix.replace(/\/$/, '') || url.pathname.startsWith(mount.prefix)) return mount.handle(req, res, url);
  }
  const method = req.method ?? 'GET';
  let pathMatched = false;
  for (const route of routes) {
    const m = route.rx.exec(url.pathname);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== '*' && route.method !== method) continue;
    let parts: string[];
    try {
      parts = m.slice(1).map((p) => (p === undefined ? (undefined as unknown as string) : decodeURIComponent(p)));
    } catch {
      throw new ApiError(400, 'malformed percent-encoding in the request path');
    }
    return route.handler(parts, req, res, url);
  }
  if (pathMatched) throw new ApiError(405, `method ${method} is not allowed on ${url.pathname}`);
  throw new ApiError(404, `no such endpoint: ${method} ${url.pathname}`);
}

function fail(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  if (err instanceof ApiError) {
    sendError(req, res, err.status, err.message, err.headers);
    return;
  }
  if (!deps.quiet) console.error('emulator: internal error:', err instanceof Error ? err.stack : err);
  sendError(req, res, 500, `internal emulator error: ${err instanceof Error ? err.message : String(err)}`);
}

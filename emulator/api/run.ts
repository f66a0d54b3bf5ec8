// /api/run/{c}/{name}[/*]: runs a named webtask in the sandbox; /api/run/{c} runs code from the body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { ApiError, readBody, reqId } from '../http';
import type { RunRequest, RunResult } from '../runtime/pool';
import { statsHeaderNames, type StatsHeaderMode } from '../stats-header';
import { TokenError } from '../tokens';
import { authorize, requireContainer, requestToken, type Cluster } from './context';

const started = Date.now();
let proxyRequests = 0;

function memory(): Record<string, number> {
  const m = process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external };
}

/** Writes a run's response with the diagnostics headers the real cluster adds. */
export function writeRunResult(
  req: IncomingMessage,
  res: ServerResponse,
  container: string,
  r: RunResult,
  statsHeader: StatsHeaderMode = 'x-auth0-stats',
): void {
  const id = reqId(req);
  const proxyStats = {
    proxy_host: hostname(),
    proxy_pid: process.pid,
    sandbox_route: `emulator/${container}`,
    sandbox_image: `node-${process.version}`,
    container_id: r.worker.id || 'none',
    time: Math.round(r.durationMs * 100) / 100,
    uptime: Math.round((Date.now() - started) / 1000),
    memory: memory(),
    requests: proxyRequests,
    req_id: id,
  };
  const stats = {
    response: r.worker.responses,
    time: Math.round(r.durationMs * 100) / 100,
    uptime: r.worker.startedAt ? Math.round((Date.now() - r.worker.startedAt) / 1000) : 0,
    memory: memory(),
  };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    const key = k.toLowerCase();
    // The proxy owns framing and its diagnostics headers.
    if (
      key === 'content-length' ||
      key === 'transfer-encoding' ||
      key === 'connection' ||
      key.startsWith('x-auth0-') ||
      key === 's-auth0-stats' ||
      key === 'x-wt-response-source'
    )
      continue;
    headers[key] = v;
  }
  headers['x-wt-response-source'] = r.source;
  headers['x-auth0-proxy-stats'] = JSON.stringify(proxyStats);
  for (const name of statsHeaderNames(statsHeader)) headers[name] = JSON.stringify(stats);
  headers['x-wt-req-id'] = id;
  headers['content-length'] = String(r.body.length);
  res.writeHead(r.status, headers);
  res.end(r.body);
}

function flatQuery(url: URL): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (k !== 'key') q[k] = v;
  return q;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'authorization') continue;
    h[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return h;
}

export async function runNamed(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  container: string,
  name: string,
  rest: string,
): Promise<void> {
  proxyRequests++;
  const c = requireContainer(cluster, container);
  const w = c.webtasks.get(name);
  if (!w) throw new ApiError(404, `webtask \`${name}\` not found in container \`${container}\``);
  if (w.code === undefined) throw new ApiError(501, `webtask \`${name}\` has code_url ${w.url ?? ''}: the emulator runs inline code only`);
  const body = await readBody(req, cluster.maxBodyBytes);
  const search = [...url.searchParams].filter(([k]) => k !== 'key');
  const run: RunRequest = {
    container,
    name,
    code: w.code,
    secrets: w.secrets,
    params: w.params ?? {},
    meta: w.meta ?? {},
    parseBody: w.claims.pb !== 0,
    reqId: reqId(req),
    req: {
      method: req.method ?? 'GET',
      url: (rest || '/') + (search.length ? `?${new URLSearchParams(search).toString()}` : ''),
      path: rest || '/',
      query: flatQuery(url),
      headers: flatHeaders(req),
      body,
    },
  };
  const r = await cluster.pool.run(run);
  writeRunResult(req, res, container, r, cluster.statsHeaders.for(container, name));
}

/** `POST /api/run/{c}` with code in the body (what `wt create --bundle` uses to probe the node version). */
export async function runAnonymous(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  container: string,
): Promise<void> {
  proxyRequests++;
  const token = requestToken(req, url);
  // `?key=<webtask token>` runs that token's webtask.
  if (token) {
    try {
      const v = cluster.tokens.verify(token);
      if (v.kind === 'webtask' && typeof v.claims.jtn === 'string' && v.claims.ten === container) {
        return runNamed(cluster, req, res, url, container, v.claims.jtn, '/');
      }
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
    }
  }
  authorize(cluster, req, url, container);
  const body = await readBody(req, cluster.maxBodyBytes);
  const code = body.toString('utf8');
  if (!code.trim()) throw new ApiError(400, 'POST the webtask code as the request body');
  const r = await cluster.pool.run({
    container,
    name: '(anonymous)',
    code,
    secrets: {},
    params: {},
    meta: {},
    parseBody: false,
    reqId: reqId(req),
    req: { method: req.method ?? 'POST', url: '/', path: '/', query: flatQuery(url), headers: flatHeaders(req), body: Buffer.alloc(0) },
  });
  writeRunResult(req, res, container, r, cluster.statsHeaders.for(container));
}

// /api/webtask and /api/tokens: list, get, upsert, delete, storage, issue, inspect.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ApiError, matchesMeta, metaFilter, paging, readJsonObject, sendJson, stringMap, truthy } from '../http';
import { NAME_RX, type WebtaskRecord } from '../store';
import { coversContainer, TokenError } from '../tokens';
import { authenticate, authorize, requireContainer, type Cluster } from './context';

function listItem(cluster: Cluster, w: WebtaskRecord, code: boolean): Record<string, unknown> {
  return {
    container: w.container,
    name: w.name,
    token: cluster.webtaskToken(w),
    ...(w.meta ? { meta: w.meta } : {}),
    ...(code ? { code: w.code ?? null } : {}),
    webtask_url: cluster.webtaskUrl(w.container, w.name),
  };
}

export function listWebtasks(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string): void {
  const v = authorize(cluster, req, url, container);
  const { offset, limit } = paging(url);
  const filter = metaFilter(url);
  const code = truthy(url.searchParams.get('fetch_code'));
  const c = cluster.store.get(container);
  if (!c) {
    // Containers are implicit: a container token sees its (empty) container; the master token is told it does not exist.
    if (v.kind === 'master') throw new ApiError(404, `container \`${container}\` not found`);
    sendJson(res, 200, []);
    return;
  }
  const all = c.list();
  const matching = filter.length ? all.filter((w) => matchesMeta(w.meta, filter)) : all;
  sendJson(
    res,
    200,
    matching.slice(offset, offset + limit).map((w) => listItem(cluster, w, code)),
  );
}

export function listAll(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const v = authenticate(cluster, req, url);
  if (v.kind !== 'master') throw new ApiError(403, 'listing webtasks across containers requires the master token');
  const { offset, limit } = paging(url);
  const filter = metaFilter(url);
  const code = truthy(url.searchParams.get('fetch_code'));
  const out: Record<string, unknown>[] = [];
  let skipped = 0;
  const names = [...cluster.store.containers.keys()].sort();
  outer: for (const name of names) {
    for (const w of cluster.store.get(name)!.list()) {
      if (filter.length && !matchesMeta(w.meta, filter)) continue;
      if (skipped < offset) {
        skipped++;
        continue;
      }
      if (out.length >= limit) break outer;
      out.push(listItem(cluster, w, code));
    }
  }
  sendJson(res, 200, out);
}

function findWebtask(cluster: Cluster, container: string, name: string): WebtaskRecord {
  const w = requireContainer(cluster, container).webtasks.get(name);
  if (!w) throw new ApiError(404, `webtask \`${name}\` not found in container \`${container}\``);
  return w;
}

export function getWebtask(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string, name: string): void {
  authorize(cluster, req, url, container);
  const w = findWebtask(cluster, container, name);
  const body: Record<string, unknown> = {
    container,
    name,
    token: cluster.webtaskToken(w),
    meta: w.meta ?? {},
    webtask_url: cluster.webtaskUrl(container, name),
  };
  if (truthy(url.searchParams.get('decrypt'))) body.secrets = { ...w.secrets };
  if (truthy(url.searchParams.get('fetch_code'))) body.code = w.code ?? null;
  if (w.url) body.url = w.url;
  sendJson(res, 200, body);
}

/** Validates the body of an upsert and stores the webtask; shared by PUT and tokens/issue. */
function saveWebtask(
  cluster: Cluster,
  container: string,
  name: string,
  input: { code?: unknown; url?: unknown; secrets?: unknown; params?: unknown; meta?: unknown; host?: unknown },
  claims: Record<string, unknown>,
): { rec: WebtaskRecord; created: boolean } {
  if (!NAME_RX.test(name))
    throw new ApiError(400, `invalid webtask name "${name.slice(0, 80)}": use letters, digits, "_", "-" and "." (at most 128)`);
  if (input.code !== undefined && typeof input.code !== 'string') throw new ApiError(400, 'code must be a string');
  if (input.url !== undefined && typeof input.url !== 'string') throw new ApiError(400, 'url must be a string');
  if (input.code !== undefined && input.url !== undefined) throw new ApiError(400, 'give either code or url, not both');
  if (input.code === undefined && input.url === undefined) throw new ApiError(400, 'code or url is required');
  if (input.host !== undefined && typeof input.host !== 'string') throw new ApiError(400, 'host must be a string');
  const secrets = stringMap(input.secrets, 'secrets') ?? {};
  const params = stringMap(input.params, 'params');
  const meta = stringMap(input.meta, 'meta');
  const c = cluster.store.ensure(container);
  const prev = c.webtasks.get(name);
  const now = new Date().toISOString();
  const rec: WebtaskRecord = {
    container,
    name,
    ...(typeof input.code === 'string' ? { code: input.code } : {}),
    ...(typeof input.url === 'string' ? { url: input.url } : {}),
    secrets,
    ...(params ? { params } : {}),
    // Omitting meta deletes it, as the cluster does.
    ...(meta && Object.keys(meta).length ? { meta } : {}),
    ...(typeof input.host === 'string' ? { host: input.host } : {}),
    claims,
    created_at: prev?.created_at ?? now,
    updated_at: now,
  };
  c.put(rec);
  cluster.platformLog(container, `webtask ${prev ? 'updated' : 'created'}: ${name}`, {
    webtask: name,
    event: prev ? 'webtask.updated' : 'webtask.created',
  });
  return { rec, created: !prev };
}

export async function upsertWebtask(
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
    'the request body must be a JSON object {code or url, secrets?, meta?, host?}',
  );
  const { rec } = saveWebtask(cluster, container, name, body, {});
  sendJson(res, 200, {
    token: cluster.webtaskToken(rec),
    container,
    name,
    meta: rec.meta ?? {},
    webtask_url: cluster.webtaskUrl(container, name),
  });
}

export function deleteWebtask(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  container: string,
  name: string,
): void {
  authorize(cluster, req, url, container);
  const c = requireContainer(cluster, container);
  if (!c.remove(name)) throw new ApiError(404, `webtask \`${name}\` not found in container \`${container}\``);
  cluster.platformLog(container, `webtask deleted: ${name}`, { webtask: name, event: 'webtask.deleted' });
  res.writeHead(204);
  res.end();
}

export function getData(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL, container: string, name: string): void {
  authorize(cluster, req, url, container);
  findWebtask(cluster, container, name);
  const s = cluster.store.get(container)!.storage.get(name);
  sendJson(res, 200, { data: s === undefined ? undefined : JSON.stringify(s.data), etag: String(s?.etag ?? 0) });
}

export async function putData(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  container: string,
  name: string,
): Promise<void> {
  authorize(cluster, req, url, container);
  findWebtask(cluster, container, name);
  const shape = 'the request body must be {data: "<JSON text>", etag?}';
  const body = await readJsonObject(req, cluster.maxBodyBytes, shape);
  if (typeof body.data !== 'string') throw new ApiError(400, shape);
  let data: unknown;
  try {
    data = JSON.parse(body.data);
  } catch (err) {
    throw new ApiError(400, `data must be JSON text: ${(err as Error).message}`);
  }
  const store = cluster.store.get(container)!.storage;
  const prev = store.get(name);
  if (body.etag !== undefined && String(prev?.etag ?? 0) !== String(body.etag))
    throw new ApiError(409, 'storage etag mismatch: the data was changed since it was read');
  const etag = (prev?.etag ?? 0) + 1;
  store.set(name, { data, etag });
  sendJson(res, 200, { etag: String(etag) });
}

/** POST /api/tokens/issue: what `wt create` calls. Stores the named webtask and returns its token. */
export async function issueToken(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const v = authenticate(cluster, req, url);
  const body = await readJsonObject(
    req,
    cluster.maxBodyBytes,
    'the request body must be a JSON object of token claims {ten, jtn?, code or url, ...}',
  );
  const ten = body.ten;
  if (typeof ten !== 'string' || !ten) throw new ApiError(400, 'claim ten (the container) is required and must be a string');
  if (v.kind !== 'master' && !coversContainer(v.claims, ten))
    throw new ApiError(403, `not authorized to perform operation on tenant \`${ten}\``);
  const { ten: _t, jtn, code, url: codeUrl, ectx, pctx, meta, host, ...rest } = body;
  if (jtn !== undefined && typeof jtn !== 'string') throw new ApiError(400, 'claim jtn (the webtask name) must be a string');
  if (code === undefined && codeUrl === undefined) {
    // A token with no code: a (sub-)profile token for the container.
    const token = cluster.tokens.issue({ ...rest, ten }, 'v2');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(token);
    return;
  }
  const name = jtn ?? `anon-${randomBytes(6).toString('hex')}`;
  const { rec } = saveWebtask(cluster, ten, name, { code, url: codeUrl, secrets: ectx, params: pctx, meta, host }, rest);
  const token = cluster.webtaskToken(rec);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', location: cluster.webtaskUrl(ten, name) });
  res.end(token);
}

/** GET /api/tokens/inspect?token=T&decrypt&fetch_code&meta: the v1 inspect path of `wt inspect`. */
export function inspectToken(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const v = authenticate(cluster, req, url);
  const subject = url.searchParams.get('token');
  if (!subject) throw new ApiError(400, 'the token query parameter is required');
  let claims: Record<string, unknown>;
  try {
    claims = { ...cluster.tokens.verify(subject).claims };
  } catch (err) {
    if (err instanceof TokenError) throw new ApiError(400, `cannot inspect token: ${err.message}`);
    throw err;
  }
  const ten = typeof claims.ten === 'string' ? claims.ten : undefined;
  if (v.kind !== 'master' && ten && !coversContainer(v.claims, ten))
    throw new ApiError(403, `not authorized to perform operation on tenant \`${ten}\``);
  const jtn = typeof claims.jtn === 'string' ? claims.jtn : undefined;
  if (ten && jtn) {
    const w = findWebtask(cluster, ten, jtn);
    Object.assign(claims, w.claims);
    if (w.host) claims.host = w.host;
    if (w.url) claims.url = w.url;
    if (w.params) claims.pctx = w.params;
    // The cluster answers the decrypted secrets as `ectx`; `secrets` carries the same for clients that read that name.
    if (truthy(url.searchParams.get('decrypt'))) {
      claims.ectx = { ...w.secrets };
      claims.secrets = { ...w.secrets };
    } else if (Object.keys(w.secrets).length) claims.ectx = '<encrypted; use decrypt=true>';
    if (truthy(url.searchParams.get('fetch_code')) && w.code !== undefined) claims.code = w.code;
    if (truthy(url.searchParams.get('meta')) && w.meta) claims.meta = w.meta;
    else delete claims.meta;
  }
  sendJson(res, 200, claims);
}

export function revokeToken(cluster: Cluster, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const v = authenticate(cluster, req, url);
  const subject = url.searchParams.get('token');
  if (!subject) throw new ApiError(400, 'the token query parameter is required');
  let target: ReturnType<typeof cluster.tokens.verify> | undefined;
  try {
    target = cluster.tokens.verify(subject);
  } catch {
    // Unknown or already revoked: revoking is idempotent.
  }
  const ten = typeof target?.claims.ten === 'string' ? target.claims.ten : undefined;
  if (target && v.kind !== 'master' && (!ten || !coversContainer(v.claims, ten)))
    throw new ApiError(403, `not authorized to perform operation on tenant \`${ten ?? '*'}\``);
  cluster.tokens.revoke(subject);
  res.writeHead(200);
  res.end();
}

import type { IncomingMessage } from 'node:http';
import type { Store, WebtaskRecord } from '../store';
import type { TokenService, VerifiedToken } from '../tokens';
import { coversContainer, TokenError } from '../tokens';
import type { LogHub } from '../logs';
import type { WorkerPool } from '../runtime/pool';
import type { Scheduler } from '../cron';
import type { HostModule } from '../types';
import type { StatsHeaders } from '../stats-header';
import { ApiError } from '../http';

export interface Cluster {
  url: string;
  store: Store;
  tokens: TokenService;
  logs: LogHub;
  pool: WorkerPool;
  scheduler: Scheduler;
  hostModules: Map<string, HostModule>;
  maxBodyBytes: number;
  /** Which name a run's stats header goes out under (global, per container, per extension). */
  statsHeaders: StatsHeaders;
  /** containers a token was issued for: they exist even while empty */
  platformLog(container: string, msg: string, extra?: Record<string, unknown>): void;
  webtaskUrl(container: string, name: string): string;
  webtaskToken(rec: WebtaskRecord): string;
}

/** The token of a request: `Authorization: Bearer` wins over `?key=`. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    if (m) return m[1]!.trim();
  }
  const key = url.searchParams.get('key');
  return key || undefined;
}

export function authenticate(cluster: Cluster, req: IncomingMessage, url: URL): VerifiedToken {
  const token = requestToken(req, url);
  if (!token) throw new ApiError(403, 'rejecting request without Authorization header or key URL query parameter');
  try {
    const v = cluster.tokens.verify(token);
    if (v.kind === 'webtask') throw new ApiError(403, 'a webtask token cannot be used to manage the cluster');
    return v;
  } catch (err) {
    if (err instanceof TokenError) throw new ApiError(403, err.message);
    throw err;
  }
}

/** Authenticates and checks the token covers `container`, with the cluster's own message. */
export function authorize(cluster: Cluster, req: IncomingMessage, url: URL, container: string): VerifiedToken {
  const v = authenticate(cluster, req, url);
  if (v.kind !== 'master' && !coversContainer(v.claims, container)) {
    throw new ApiError(403, `not authorized to perform operation on tenant \`${container}\``);
  }
  return v;
}

export function requireContainer(cluster: Cluster, container: string) {
  const c = cluster.store.get(container);
  if (!c) throw new ApiError(404, `container \`${container}\` not found`);
  return c;
}

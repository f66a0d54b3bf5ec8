import type { ExportConfig } from '../config';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, type Encoded, basicAuth, logTime, post, withoutUnderscoreId } from './types';

/** Logstash http input: one POST per batch, a JSON array (one event per element). */
export function logstashDestination(cfg: NonNullable<ExportConfig['logstash']>, deps: DestinationDeps, maxEvents: number | null): Destination {
  const url = new URL(cfg.url);
  if (cfg.token) url.searchParams.set('token', cfg.token);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.user && cfg.password) headers.authorization = basicAuth(cfg.user, cfg.password);
  return {
    kind: 'logstash',
    // Logstash's http input has no hard cap; 2,000 events / 8 MB keeps a request well under its default 100 MB and timeouts.
    limits: { maxEvents: Math.min(maxEvents ?? 2000, 2000), maxBytes: 8 * 1024 * 1024, perEventBytes: 1 },
    encode(log: Auth0Log): Encoded {
      const doc = withoutUnderscoreId(log);
      if (cfg.index) doc.index = cfg.index;
      const json = JSON.stringify(doc);
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(json), payload: json };
    },
    async prepare() {},
    async send(batch, signal) {
      const body = `[${batch.map((e) => e.payload as string).join(',')}]`;
      await post(deps, 'Logstash', url.toString(), { headers, body }, signal);
      return { rejected: 0 };
    },
    async close() {},
  };
}

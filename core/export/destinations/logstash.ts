import type { ExportConfig } from '../config';
import type { Auth0Log } from '../source';
import { typeName } from './formats';
import { type Destination, type DestinationDeps, type Encoded, basicAuth, logTime, post, withoutUnderscoreId } from './types';

/**
 * One event as LOGSTASH_FORMAT asks. `compatible` is field for field what the old Logstash sender
 * posted (post_date, type_description, every log field as returned, index defaulting to "auth0",
 * message = the whole log as JSON), built in the same order so even key order matches; `compact`
 * is the log with `_id` sent as `log_id` and `index` only when configured.
 */
export function logstashEvent(log: Auth0Log, cfg: NonNullable<ExportConfig['logstash']>, postDate: number): Record<string, unknown> {
  if (cfg.format === 'compact') {
    const doc = withoutUnderscoreId(log);
    return cfg.index ? { ...doc, index: cfg.index } : doc;
  }
  const data: Record<string, unknown> = { post_date: postDate, type_description: typeName(log.type) };
  for (const k of Object.keys(log)) data[k] = log[k];
  data.index = cfg.index || 'auth0';
  data.message = JSON.stringify(log);
  return data;
}

/** Logstash http input: one POST per batch, a JSON array (one event per element, as the input splits it). */
export function logstashDestination(
  cfg: NonNullable<ExportConfig['logstash']>,
  deps: DestinationDeps,
  maxEvents: number | null,
): Destination {
  const url = new URL(cfg.url);
  if (cfg.token) url.searchParams.set('token', cfg.token);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.user && cfg.password) headers.authorization = basicAuth(cfg.user, cfg.password);
  // The old sender stamped every event of a run with the run's start time.
  const postDate = Date.now();
  return {
    kind: 'logstash',
    // Logstash's http input has no hard cap; 2,000 events / 8 MB keeps a request well under its default 100 MB and timeouts.
    limits: { maxEvents: Math.min(maxEvents ?? 2000, 2000), maxBytes: 8 * 1024 * 1024, perEventBytes: 1 },
    encode(log: Auth0Log): Encoded {
      const json = JSON.stringify(logstashEvent(log, cfg, postDate));
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

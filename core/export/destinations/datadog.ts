import type { ExportConfig } from '../config';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, type Encoded, logTime, post } from './types';

/** Datadog keeps logs dated at most 18 hours in the past ("Send logs", v2): older ones are accepted but not kept. */
export const DATADOG_MAX_AGE_MS = 18 * 3600 * 1000;

/**
 * One log as DATADOG_FORMAT asks. `compatible` is what the old Datadog extension sent: its metadata
 * (`ddsourcecategory: "external"`, `ddsource: "auth0"`, `ddtags` when set) with every log field
 * merged over it; `compact` is the log with Datadog's reserved attributes (ddsource, service,
 * hostname, ddtags) set last so they always hold.
 */
export function datadogLog(log: Auth0Log, cfg: NonNullable<ExportConfig['datadog']>): Record<string, unknown> {
  if (cfg.format === 'compatible') {
    const meta: Record<string, unknown> = { ddsourcecategory: 'external', ddsource: 'auth0' };
    if (cfg.tags) meta.ddtags = cfg.tags;
    return Object.assign(meta, log);
  }
  const out: Record<string, unknown> = {
    ...log,
    ddsource: 'auth0',
    service: cfg.service,
    hostname: typeof log.hostname === 'string' && log.hostname ? log.hostname : cfg.hostname,
  };
  if (cfg.tags) out.ddtags = cfg.tags;
  return out;
}

/** Datadog's v2 error body: `{errors: [{status, title, detail}]}` (or a list of strings). */
function explain(status: number, text: string): { message: string; retryable?: boolean } | undefined {
  let detail = '';
  try {
    const errs = (JSON.parse(text) as { errors?: Array<string | { title?: string; detail?: string }> }).errors ?? [];
    detail = errs.map((e) => (typeof e === 'string' ? e : [e.title, e.detail].filter(Boolean).join(': '))).join('; ');
  } catch {
    detail = text.slice(0, 200);
  }
  if (status === 401 || status === 403)
    return {
      message: `${detail || 'Forbidden'}: check DATADOG_API_KEY and DATADOG_SERVER (an API key, for the site it belongs to)`,
      retryable: false,
    };
  if (status === 413) return { message: `${detail || 'Payload too large'}: a batch above 5 MB or 1,000 logs`, retryable: false };
  return detail ? { message: detail } : undefined;
}

/** Datadog Logs intake v2: a JSON array per request, `DD-API-KEY`, at most 1,000 logs and 5 MB uncompressed. */
export function datadogDestination(
  cfg: NonNullable<ExportConfig['datadog']>,
  deps: DestinationDeps,
  maxEvents: number | null,
): Destination {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'dd-api-key': cfg.apiKey };
  return {
    kind: 'datadog',
    // 5 MB per payload uncompressed, 1,000 entries per array; 5,000,000 bytes leaves room for either reading of "MB".
    limits: { maxEvents: Math.min(maxEvents ?? 1000, 1000), maxBytes: 5_000_000 - 2, perEventBytes: 1 },
    encode(log: Auth0Log): Encoded {
      const json = JSON.stringify(datadogLog(log, cfg));
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(json), payload: json };
    },
    async prepare() {},
    async send(batch, signal) {
      await post(deps, 'Datadog', cfg.url, { headers, body: `[${batch.map((e) => e.payload as string).join(',')}]`, explain }, signal);
      // Accepted (202) but not kept: Datadog drops logs dated more than 18 h in the past. Counted, never claimed delivered.
      const cutoff = Date.now() - DATADOG_MAX_AGE_MS;
      const old = batch.filter((e) => e.time < cutoff).length;
      return old ? { rejected: old, rejectedReason: 'dated more than 18 hours in the past (Datadog does not keep them)' } : { rejected: 0 };
    },
    async close() {},
  };
}

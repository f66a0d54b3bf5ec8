import type { ExportConfig } from '../config';
import { DeliveryError, isRetryableStatus } from '../retry';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, basicAuth, logTime, post, withoutUnderscoreId } from './types';

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

/** Elasticsearch `_bulk` with log_id as the document id: a re-sent batch overwrites, never duplicates. */
export function elasticsearchDestination(
  cfg: NonNullable<ExportConfig['elasticsearch']>,
  deps: DestinationDeps,
  maxEvents: number | null,
): Destination {
  const url = `${cfg.url.replace(/\/+$/, '')}/_bulk`;
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (cfg.apiKey) headers.authorization = `ApiKey ${cfg.apiKey}`;
  else if (cfg.user && cfg.password) headers.authorization = basicAuth(cfg.user, cfg.password);
  return {
    kind: 'elasticsearch',
    // Elastic's guidance is bulk requests of a few MB; 5 MB / 2,000 docs.
    limits: { maxEvents: Math.min(maxEvents ?? 2000, 2000), maxBytes: 5 * 1024 * 1024, perEventBytes: 0 },
    encode(log: Auth0Log) {
      const line = `${JSON.stringify({ index: { _index: cfg.index, _id: log.log_id } })}\n${JSON.stringify(withoutUnderscoreId(log))}\n`;
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(line), payload: line };
    },
    async prepare() {},
    async send(batch, signal) {
      const text = await post(deps, 'Elasticsearch', url, { headers, body: batch.map((e) => e.payload as string).join('') }, signal);
      let res: { errors?: boolean; items?: Array<Record<string, BulkItem>> };
      try {
        res = JSON.parse(text) as typeof res;
      } catch {
        throw new DeliveryError('Elasticsearch _bulk answer was not JSON', { retryable: true });
      }
      if (!res.errors) return { rejected: 0 };
      const failed = (res.items ?? []).map((i) => Object.values(i)[0]).filter((i): i is BulkItem => !!i && (i.status ?? 0) >= 300);
      // Re-sending the whole batch is safe (same ids), so any retryable item failure retries the batch.
      const permanent = failed.find((i) => !isRetryableStatus(i.status ?? 500));
      const first = permanent ?? failed[0];
      throw new DeliveryError(
        `Elasticsearch refused ${failed.length} of ${batch.length} documents (${first?.status}: ${first?.error?.type ?? ''} ${first?.error?.reason ?? ''})`.trim(),
        { retryable: !permanent, status: first?.status },
      );
    },
    async close() {},
  };
}

import { createHmac } from 'node:crypto';
import type { ExportConfig } from '../config';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, logTime, post } from './types';

/**
 * The HTTP Data Collector API's SharedKey: HMAC-SHA256 over a string holding the body's length
 * in BYTES (the old extension used UTF-16 units and broke on non-ASCII text).
 */
export function dataCollectorSignature(workspaceId: string, key: string, date: string, contentLength: number): string {
  const toSign = `POST\n${contentLength}\napplication/json\nx-ms-date:${date}\n/api/logs`;
  const sig = createHmac('sha256', Buffer.from(key, 'base64')).update(toSign, 'utf8').digest('base64');
  return `SharedKey ${workspaceId}:${sig}`;
}

export function azureLegacyDestination(
  cfg: NonNullable<ExportConfig['azureLegacy']>,
  deps: DestinationDeps,
  maxEvents: number | null,
): Destination {
  const url = `${cfg.endpoint}/api/logs?api-version=${encodeURIComponent(cfg.apiVersion)}`;
  return {
    kind: 'azure-legacy',
    // The API takes up to 30 MB per post; 2,000 records / 16 MB stays clear of it.
    limits: { maxEvents: Math.min(maxEvents ?? 2000, 2000), maxBytes: 16 * 1024 * 1024, perEventBytes: 1 },
    encode(log: Auth0Log) {
      const json = JSON.stringify(log);
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(json), payload: json };
    },
    async prepare() {},
    async send(batch, signal) {
      const body = Buffer.from(`[${batch.map((e) => e.payload as string).join(',')}]`, 'utf8');
      const date = new Date().toUTCString();
      await post(
        deps,
        'Azure Data Collector API',
        url,
        {
          headers: {
            'content-type': 'application/json',
            'log-type': cfg.logType,
            'x-ms-date': date,
            'time-generated-field': 'date',
            authorization: dataCollectorSignature(cfg.workspaceId, cfg.workspaceKey, date, body.byteLength),
          },
          body,
        },
        signal,
      );
      return { rejected: 0 };
    },
    async close() {},
  };
}

import { ClientSecretCredential } from '@azure/identity';
import { AggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import { type HttpClient, type PipelineRequest, createDefaultHttpClient } from '@azure/core-rest-pipeline';
import type { ExportConfig } from '../config';
import { CancelledError, DeliveryError } from '../retry';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, logTime } from './types';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopback(u: string): boolean {
  try {
    return LOOPBACK.has(new URL(u).hostname);
  } catch {
    return false;
  }
}

/**
 * Hand-rolled on purpose: the Azure SDK refuses bearer tokens and MSAL authorities over plain
 * http, while the emulator serves http on 127.0.0.1 only. This transport carries an
 * https://127.0.0.1 request over http; any other host goes through the SDK's own client untouched.
 */
export function loopbackHttpClient(): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    sendRequest(request: PipelineRequest) {
      const u = new URL(request.url);
      if (u.protocol === 'https:' && LOOPBACK.has(u.hostname)) {
        u.protocol = 'http:';
        request.url = u.toString();
        request.allowInsecureConnection = true;
      }
      return inner.sendRequest(request);
    },
  };
}

/** Logs Ingestion API (Data Collection Endpoint + Rule) with an Entra app's client credentials. */
export function azureDestination(cfg: NonNullable<ExportConfig['azure']>, deps: DestinationDeps, maxEvents: number | null): Destination {
  const loopback = isLoopback(cfg.endpoint) && (!cfg.authorityHost || isLoopback(cfg.authorityHost));
  // Loopback URLs are written as https so the SDK accepts them; the loopback transport then speaks http.
  const asHttps = (u: string) => (loopback ? u.replace(/^http:/i, 'https:') : u);
  const httpClient = loopback ? loopbackHttpClient() : undefined;
  const credential = new ClientSecretCredential(cfg.tenantId, cfg.clientId, cfg.clientSecret, {
    ...(cfg.authorityHost ? { authorityHost: asHttps(cfg.authorityHost) } : {}),
    ...(loopback ? { httpClient, disableInstanceDiscovery: true } : {}),
  });
  const client = new LogsIngestionClient(asHttps(cfg.endpoint), credential, {
    ...(httpClient ? { httpClient } : {}),
    // The engine owns retries.
    retryOptions: { maxRetries: 0 },
  });
  return {
    kind: 'azure',
    // The client splits a call into 1 MB gzip chunks itself; 2,000 logs / 8 MB per call.
    limits: { maxEvents: Math.min(maxEvents ?? 2000, 2000), maxBytes: 8 * 1024 * 1024, perEventBytes: 0 },
    encode(log: Auth0Log) {
      const record = { TimeGenerated: typeof log.date === 'string' ? log.date : new Date().toISOString(), ...log };
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(JSON.stringify(record)), payload: record };
    },
    async prepare() {},
    async send(batch, signal) {
      try {
        await client.upload(
          cfg.ruleId,
          cfg.streamName,
          batch.map((e) => e.payload as Record<string, unknown>),
          { abortSignal: signal, maxConcurrency: 1 },
        );
        return { rejected: 0 };
      } catch (e) {
        if (signal.aborted) throw new CancelledError();
        const inner = e instanceof AggregateLogsUploadError ? e.errors[0]?.cause : e;
        const status = (inner as { statusCode?: number })?.statusCode;
        const msg = (inner as Error | undefined)?.message ?? String(e);
        const auth = /AADSTS|credential|authenticat|token/i.test(msg) || status === 401 || status === 403;
        throw new DeliveryError(
          `Azure Logs Ingestion upload failed${status ? ` (${status})` : ''}: ${msg.slice(0, 300)}${auth ? ": check AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and the rule's role assignment" : ''}`,
          {
            retryable: status === undefined ? !/AADSTS7000215|AADSTS700016|invalid_client/.test(msg) : status === 429 || status >= 500,
            status,
            cause: e,
          },
        );
      }
    },
    async close() {},
  };
}

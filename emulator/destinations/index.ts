// Destinations the export engine writes to, each checking what the real service checks and
// recording what it accepted (inspectable in-process and with GET /dest/_received).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../http';
import type { Emulator, Mount } from '../types';
import { AzureIngestionState, AzureLegacyState, handleAzureLegacy, handleEntra, handleIngestion } from './azure';
import { CloudWatchState, handleCloudWatch } from './cloudwatch';
import { DestError, send, sendJson, tail } from './common';
import { ElasticsearchState, handleBulk } from './elasticsearch';
import { type LogstashPipelineOptions, LogstashState, handleLogstash } from './logstash';
import { SlackState, handleSlack } from './slack';
import { DatadogState, handleDatadog } from './datadog';
import { SplunkState, handleSplunk } from './splunk';

export { CloudWatchState, LogstashState, ElasticsearchState, AzureLegacyState, AzureIngestionState, SlackState, SplunkState, DatadogState };

export interface DestinationsOptions {
  prefix?: string;
  /** Settings for a Logstash pipeline asked for by name that was not created (null: 404). */
  autoLogstash?: (name: string) => LogstashPipelineOptions | null;
  elasticsearchAuth?: { user?: string; password?: string; apiKey?: string };
}

export interface Destinations {
  mount: Mount;
  cloudwatch: CloudWatchState;
  logstash: LogstashState;
  elasticsearch: ElasticsearchState;
  azureLegacy: AzureLegacyState;
  azure: AzureIngestionState;
  slack: SlackState;
  splunk: SplunkState;
  datadog: DatadogState;
  summary(): Record<string, unknown>;
}

export function createDestinations(opts: DestinationsOptions = {}): Destinations {
  const prefix = (opts.prefix ?? '/dest').replace(/\/$/, '');
  const d = {
    cloudwatch: new CloudWatchState(),
    logstash: new LogstashState(opts.autoLogstash),
    elasticsearch: new ElasticsearchState(opts.elasticsearchAuth),
    azureLegacy: new AzureLegacyState(),
    azure: new AzureIngestionState(),
    slack: new SlackState(),
    splunk: new SplunkState(),
    datadog: new DatadogState(),
  };
  const summary = () => ({
    cloudwatch: d.cloudwatch.summary(),
    logstash: d.logstash.summary(),
    elasticsearch: d.elasticsearch.summary(),
    azureLegacy: d.azureLegacy.summary(),
    azure: d.azure.summary(),
    slack: { ...d.slack.summary(), last: tail(d.slack.messages, 20) },
    splunk: d.splunk.summary(),
    datadog: d.datadog.summary(),
  });

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(prefix.length);
    const seg = path
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    const kind = seg[0];
    if (req.method === 'GET' && path === '/_received') return sendJson(res, 200, summary());
    switch (kind) {
      case 'cloudwatch':
        return handleCloudWatch(d.cloudwatch, req, res, url);
      case 'logstash': {
        if (seg.length === 3 && seg[2] === '_received' && req.method === 'GET') {
          const p = d.logstash.pipelines.get(seg[1]!);
          return sendJson(
            res,
            p ? 200 : 404,
            p ? { ...p.stats, events: p.events.length, last: tail(p.events, 20) } : { error: 'no such pipeline' },
          );
        }
        if (seg.length !== 2) throw new DestError(404, 'use /dest/logstash/{name}', { 'content-type': 'text/plain' });
        return handleLogstash(d.logstash, seg[1]!, req, res, url);
      }
      case 'elasticsearch': {
        if (seg[seg.length - 1] !== '_bulk' || seg.length > 3)
          throw new DestError(404, JSON.stringify({ error: 'only _bulk is emulated', status: 404 }), {
            'content-type': 'application/json',
          });
        return handleBulk(d.elasticsearch, seg.length === 3 ? seg[1] : undefined, req, res);
      }
      case 'azure-legacy': {
        if (seg.length !== 4 || seg[2] !== 'api' || seg[3] !== 'logs')
          throw new DestError(404, JSON.stringify({ Error: 'NotFound', Message: 'use /dest/azure-legacy/{workspaceId}/api/logs' }), {
            'content-type': 'application/json',
          });
        return handleAzureLegacy(d.azureLegacy, seg[1]!, req, res, url);
      }
      case 'azure': {
        const rest = path.slice('/azure'.length);
        if (rest.startsWith('/entra/')) return handleEntra(d.azure, rest.slice('/entra'.length), req, res);
        if (rest.startsWith('/dce/')) return handleIngestion(d.azure, rest.slice('/dce'.length), req, res, url);
        throw new DestError(
          404,
          JSON.stringify({ error: { code: 'NotFound', message: 'use /dest/azure/entra/... or /dest/azure/dce/...' } }),
          { 'content-type': 'application/json' },
        );
      }
      case 'splunk':
        return handleSplunk(d.splunk, path.slice('/splunk'.length), req, res, url);
      case 'datadog':
        return handleDatadog(d.datadog, path.slice('/datadog'.length), req, res);
      case 'slack':
        if (seg.length < 2) throw new DestError(404, 'no_service', { 'content-type': 'text/plain' });
        return handleSlack(d.slack, seg.slice(1).join('/'), req, res);
      default:
        throw new DestError(404, JSON.stringify({ error: `no destination ${String(kind ?? '').slice(0, 40)}` }), {
          'content-type': 'application/json',
        });
    }
  }

  return {
    ...d,
    summary,
    mount: {
      prefix: `${prefix}/`,
      async handle(req, res, url) {
        try {
          await route(req, res, url);
        } catch (e) {
          if (e instanceof DestError) return send(res, e.status, e.body, e.headers);
          if (e instanceof ApiError)
            return send(res, e.status, JSON.stringify({ error: e.message }), { 'content-type': 'application/json' });
          send(res, 500, JSON.stringify({ error: (e as Error).message }), { 'content-type': 'application/json' });
        }
      },
    },
  };
}

/** Credentials the demo seed's export extensions use against these destinations. */
export const DEMO_DESTINATIONS = {
  aws: { accessKeyId: 'AKIAEMULATORDEMO0001', secretAccessKey: 'emulator-demo-secret-key/0001', region: 'us-east-1' },
  logstash: { user: 'logstash', password: 'demo-logstash-password' },
  azureLegacy: {
    workspaceId: '00000000-0000-4000-8000-00000000a2e0',
    workspaceKey: Buffer.from('emulator-demo-workspace-key').toString('base64'),
  },
  azure: {
    tenantId: '00000000-0000-4000-8000-00000000e17a',
    clientId: '00000000-0000-4000-8000-0000000c11e7',
    clientSecret: 'emulator-demo-entra-secret',
    ruleId: 'dcr-00000000000000000000000000000demo',
    streamName: 'Custom-Auth0Logs_CL',
  },
  splunk: { token: '00000000-0000-4000-8000-0000005b1c0e', index: 'auth0' },
  datadog: { apiKey: 'emulatordemo0000000000000000dd01' },
} as const;

const registry = new WeakMap<object, Destinations>();

/** The destinations installed into an emulator (for tests and the demo's inspection). */
export function destinationsOf(emulator: object): Destinations | undefined {
  return registry.get(emulator);
}

export function install(emulator: Emulator): void {
  const d = createDestinations({ autoLogstash: () => ({ ...DEMO_DESTINATIONS.logstash, queueCapacity: 50_000, drainPerSec: 50_000 }) });
  d.cloudwatch.addCredentials(DEMO_DESTINATIONS.aws.accessKeyId, DEMO_DESTINATIONS.aws.secretAccessKey);
  d.azureLegacy.addWorkspace(DEMO_DESTINATIONS.azureLegacy.workspaceId, DEMO_DESTINATIONS.azureLegacy.workspaceKey);
  d.azure.addApp(DEMO_DESTINATIONS.azure.tenantId, DEMO_DESTINATIONS.azure.clientId, DEMO_DESTINATIONS.azure.clientSecret);
  d.azure.addRule(DEMO_DESTINATIONS.azure.ruleId, [DEMO_DESTINATIONS.azure.streamName]);
  d.splunk.addToken(DEMO_DESTINATIONS.splunk.token, { indexes: [DEMO_DESTINATIONS.splunk.index, 'main'] });
  d.datadog.addApiKey(DEMO_DESTINATIONS.datadog.apiKey);
  registry.set(emulator, d);
  emulator.registerMount(d.mount);
}

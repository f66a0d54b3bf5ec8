// A plain node http server carrying the Auth0 API and destination mounts behind the emulator's
// fault layer, so the export tests do not need the whole cluster.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from '../../emulator/faults';
import { type Auth0Api, type Auth0TenantOptions, createAuth0Api } from '../../emulator/auth0/api';
import { type Destinations, createDestinations } from '../../emulator/destinations/index';

export interface ExportServer {
  url: string;
  auth0: Auth0Api;
  dest: Destinations;
  faults: Faults;
  server: Server;
  close(): Promise<void>;
}

export const TEST_CLIENT = { clientId: 'test-export-client', clientSecret: 'test-export-secret-7f2a9c' };
export const TEST_AWS = { accessKeyId: 'AKIATESTEXPORT000001', secretAccessKey: 'test/aws/secret/key+0001', region: 'eu-west-1' };
export const TEST_LOGSTASH = { user: 'ls-user', password: 'ls-pass-93ab12', token: 'ls-token-55cd' };
export const TEST_AZURE_LEGACY = {
  workspaceId: '11111111-2222-4333-8444-555555555555',
  workspaceKey: Buffer.from('test-workspace-key-0123456789').toString('base64'),
};
export const TEST_SPLUNK = {
  token: '6f1c2a9e-0b7d-4e2f-9a41-5c3d7e8f9a10',
  ackToken: '7a2d3b0f-1c8e-4f3a-8b52-6d4e8f9a0b21',
  index: 'auth0',
};
export const TEST_DATADOG = { apiKey: 'ddtestkey0123456789abcdef01234567' };
export const TEST_AZURE = {
  tenantId: 'aaaaaaaa-0000-4000-8000-000000000001',
  clientId: 'bbbbbbbb-0000-4000-8000-000000000002',
  clientSecret: 'entra-secret-xyz-123',
  ruleId: 'dcr-0123456789abcdef0123456789abcdef',
  streamName: 'Custom-Auth0Logs_CL',
};

export async function startExportServer(): Promise<ExportServer> {
  const faults = new Faults();
  const auth0 = createAuth0Api();
  const dest = createDestinations();
  dest.cloudwatch.addCredentials(TEST_AWS.accessKeyId, TEST_AWS.secretAccessKey);
  dest.logstash.create('main', { user: TEST_LOGSTASH.user, password: TEST_LOGSTASH.password, token: TEST_LOGSTASH.token });
  dest.azureLegacy.addWorkspace(TEST_AZURE_LEGACY.workspaceId, TEST_AZURE_LEGACY.workspaceKey);
  dest.azure.addApp(TEST_AZURE.tenantId, TEST_AZURE.clientId, TEST_AZURE.clientSecret);
  dest.azure.addRule(TEST_AZURE.ruleId, [TEST_AZURE.streamName]);
  dest.splunk.addToken(TEST_SPLUNK.token, { indexes: [TEST_SPLUNK.index, 'main'] });
  dest.splunk.addToken(TEST_SPLUNK.ackToken, { indexes: [TEST_SPLUNK.index], ack: true, ackDelayMs: 30 });
  dest.datadog.addApiKey(TEST_DATADOG.apiKey);
  const mounts = [auth0.mount, dest.mount];
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    void (async () => {
      if (await faults.apply(req, res, url)) return;
      const m = mounts.find((x) => url.pathname.startsWith(x.prefix));
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      await m.handle(req, res, url);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    auth0,
    dest,
    faults,
    server,
    async close() {
      auth0.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function addTenant(s: ExportServer, name: string, opts: Auth0TenantOptions = {}) {
  return s.auth0.createTenant(name, { clients: [TEST_CLIENT], ...opts });
}

/** Settings for an export from tenant `tenant` of `s` to `kind`. */
export function exportSettings(
  s: ExportServer,
  tenant: string,
  kind: 'cloudwatch' | 'logstash' | 'elasticsearch' | 'azure-legacy' | 'azure' | 'splunk' | 'datadog',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    AUTH0_DOMAIN: `${s.url}/auth0/${tenant}`,
    AUTH0_CLIENT_ID: TEST_CLIENT.clientId,
    AUTH0_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    RETRY_BASE_MS: 20,
    RETRY_MAX_MS: 500,
    REQUEST_TIMEOUT_MS: 5000,
  };
  const per: Record<string, Record<string, unknown>> = {
    cloudwatch: {
      CLOUDWATCH_LOG_GROUP_NAME: `/auth0/${tenant}`,
      CLOUDWATCH_LOG_STREAM_NAME: 'export',
      AWS_ACCESS_KEY_ID: TEST_AWS.accessKeyId,
      AWS_SECRET_KEY: TEST_AWS.secretAccessKey,
      AWS_REGION: TEST_AWS.region,
      CLOUDWATCH_ENDPOINT: `${s.url}/dest/cloudwatch`,
    },
    logstash: {
      LOGSTASH_URL: `${s.url}/dest/logstash/main`,
      LOGSTASH_USER: TEST_LOGSTASH.user,
      LOGSTASH_PASSWORD: TEST_LOGSTASH.password,
      LOGSTASH_TOKEN: TEST_LOGSTASH.token,
    },
    elasticsearch: { ELASTICSEARCH_URL: `${s.url}/dest/elasticsearch`, ELASTICSEARCH_INDEX: `auth0-${tenant}` },
    'azure-legacy': {
      LOGANALYTICS_WORKSPACEID: TEST_AZURE_LEGACY.workspaceId,
      LOGANALYTICS_WORKSPACEKEY: TEST_AZURE_LEGACY.workspaceKey,
      LOGANALYTICS_NAMESPACE: 'Auth0Test',
      LOGANALYTICS_ENDPOINT: `${s.url}/dest/azure-legacy/${TEST_AZURE_LEGACY.workspaceId}`,
    },
    azure: {
      AZURE_TENANT_ID: TEST_AZURE.tenantId,
      AZURE_CLIENT_ID: TEST_AZURE.clientId,
      AZURE_CLIENT_SECRET: TEST_AZURE.clientSecret,
      AZURE_AUTHORITY_HOST: `${s.url}/dest/azure/entra`,
      LOGS_INGESTION_ENDPOINT: `${s.url}/dest/azure/dce`,
      LOGS_INGESTION_RULE_ID: TEST_AZURE.ruleId,
      LOGS_INGESTION_STREAM_NAME: TEST_AZURE.streamName,
    },
    splunk: { SPLUNK_URL: `${s.url}/dest/splunk`, SPLUNK_TOKEN: TEST_SPLUNK.token, SPLUNK_INDEX: TEST_SPLUNK.index },
    datadog: { DATADOG_API_KEY: TEST_DATADOG.apiKey, DATADOG_URL: `${s.url}/dest/datadog` },
  };
  return { ...base, ...per[kind], ...extra };
}

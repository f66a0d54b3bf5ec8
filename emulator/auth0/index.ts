// Installs the Auth0 Management API subset into the emulator and the `auth0-log-export` host
// module the demo export extensions call (`require('auth0-log-export')(ctx)`), which runs the
// shared export engine with the extension's secrets and keeps its checkpoint in its storage.
import { runExport } from '../../core/export/engine';
import { storageCheckpointStore } from '../../core/export/checkpoint';
import { ConfigError } from '../../core/export/config';
import { DEMO_DESTINATIONS } from '../destinations/index';
import type { Emulator, HostModule } from '../types';
import { type Auth0Api, type Auth0TenantOptions, createAuth0Api } from './api';

export { createAuth0Api, Auth0Tenant, type Auth0Api, type Auth0TenantOptions } from './api';

/** Client credentials of a demo container's Auth0 tenant (the seed's export extensions use these). */
export function demoAuth0Credentials(tenant: string): { clientId: string; clientSecret: string } {
  return { clientId: `demo-${tenant}-export`, clientSecret: `demo-secret-${tenant}-0f3c9a` };
}

let demoRate = 2;

/** Events/s the demo tenants generate (the emulator's logRate option); applies to existing tenants too. */
export function setDemoLogRate(emulator: object, rate: number): void {
  demoRate = rate;
  for (const t of auth0Of(emulator)?.tenants.values() ?? []) t.setRate(rate);
}

export function demoTenantOptions(tenant: string, rate = demoRate): Auth0TenantOptions {
  return {
    clients: [{ ...demoAuth0Credentials(tenant), scopes: ['read:logs'] }],
    seedCount: 2000,
    seedSpanMs: 6 * 3600_000,
    rate,
    // A long-running demo keeps memory bounded: the oldest events age out as a tenant's retention does.
    maxLogs: 100_000,
    // About what a paid tenant allows; the free plan is near 2/s.
    rateLimit: { limit: 10, windowSec: 1 },
  };
}

export type DemoExportKind = 'logs-to-cloudwatch' | 'logs-to-logstash' | 'logs-to-loganalytics' | 'logs-to-splunk' | 'logs-to-datadog';

/** The secrets a demo export extension needs to read `container`'s tenant and write to the emulator's destinations. */
export function demoExportSecrets(emulatorUrl: string, container: string, kind: DemoExportKind): Record<string, string> {
  const { clientId, clientSecret } = demoAuth0Credentials(container);
  const common = {
    AUTH0_DOMAIN: `${emulatorUrl}/auth0/${container}`,
    AUTH0_CLIENT_ID: clientId,
    AUTH0_CLIENT_SECRET: clientSecret,
    BATCH_SIZE: '100',
    LOG_LEVEL: '',
    LOG_TYPES: '',
    SLACK_INCOMING_WEBHOOK: `${emulatorUrl}/dest/slack/T0DEMO/B0${container}/notify`,
    SLACK_SEND_SUCCESS: 'false',
    MAX_RETRIES: '3',
    RETRY_BASE_MS: '200',
  };
  switch (kind) {
    case 'logs-to-cloudwatch':
      return {
        ...common,
        CLOUDWATCH_LOG_GROUP_NAME: `/auth0/${container}`,
        CLOUDWATCH_LOG_STREAM_NAME: 'export',
        AWS_ACCESS_KEY_ID: DEMO_DESTINATIONS.aws.accessKeyId,
        AWS_SECRET_KEY: DEMO_DESTINATIONS.aws.secretAccessKey,
        AWS_REGION: DEMO_DESTINATIONS.aws.region,
        CLOUDWATCH_ENDPOINT: `${emulatorUrl}/dest/cloudwatch`,
      };
    case 'logs-to-logstash':
      return {
        ...common,
        LOGSTASH_URL: `${emulatorUrl}/dest/logstash/${container}`,
        LOGSTASH_INDEX: `auth0-${container}`,
        LOGSTASH_USER: DEMO_DESTINATIONS.logstash.user,
        LOGSTASH_PASSWORD: DEMO_DESTINATIONS.logstash.password,
      };
    case 'logs-to-loganalytics':
      return {
        ...common,
        LOGANALYTICS_WORKSPACEID: DEMO_DESTINATIONS.azureLegacy.workspaceId,
        LOGANALYTICS_WORKSPACEKEY: DEMO_DESTINATIONS.azureLegacy.workspaceKey,
        LOGANALYTICS_NAMESPACE: 'Auth0',
        LOGANALYTICS_APIVERSION: '2016-04-01',
        LOGANALYTICS_ENDPOINT: `${emulatorUrl}/dest/azure-legacy/${DEMO_DESTINATIONS.azureLegacy.workspaceId}`,
      };
    case 'logs-to-splunk':
      return {
        ...common,
        SPLUNK_URL: `${emulatorUrl}/dest/splunk`,
        SPLUNK_TOKEN: DEMO_DESTINATIONS.splunk.token,
        SPLUNK_INDEX: DEMO_DESTINATIONS.splunk.index,
      };
    case 'logs-to-datadog':
      return { ...common, DATADOG_API_KEY: DEMO_DESTINATIONS.datadog.apiKey, DATADOG_URL: `${emulatorUrl}/dest/datadog` };
  }
}

/**
 * The host module behind `require('auth0-log-export')(ctx)`. The checkpoint lives in the
 * extension's storage as `{checkpointId}` (the old extensions' field). START_FROM wins once
 * when it changes (a replay set by the console), then the stored checkpoint takes over again.
 */
export function exportHostModule(): HostModule {
  // One run per extension at a time: a cron firing while someone runs the job by hand waits for
  // that run and continues from its checkpoint, instead of both re-sending the same logs.
  const running = new Map<string, Promise<unknown>>();
  return (call) => {
    const key = `${call.container}/${call.name}`;
    const prev = running.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => runOnce(call));
    running.set(key, next);
    void next
      .finally(() => {
        if (running.get(key) === next) running.delete(key);
      })
      .catch(() => undefined);
    return next;
  };
}

async function runOnce(call: Parameters<HostModule>[0]): Promise<unknown> {
  const store = storageCheckpointStore(call.storage);
  const data = (await call.storage.get()) as { startFromApplied?: string } | undefined;
  const startFrom = call.secrets.START_FROM?.trim() || undefined;
  const replay = startFrom !== undefined && data?.startFromApplied !== startFrom;
  let report;
  try {
    report = await runExport({
      config: call.secrets,
      checkpointStore: store,
      ...(replay ? { from: startFrom } : {}),
      jobName: call.name,
      log: (line) => call.log(line, 40),
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.message);
    throw e;
  }
  if (replay && report.status === 'ok') {
    const now = ((await call.storage.get()) ?? {}) as Record<string, unknown>;
    await call.storage.set({ ...now, startFromApplied: startFrom });
  }
  call.log(
    `export to ${report.destination} ${report.status}: ${report.processed} processed, ${report.delivered} delivered, ${report.filtered} filtered, ` +
      `${report.batches} batches, ${report.retries} retries, next checkpoint ${report.nextCheckpoint ?? '(start)'}${report.error ? `, error: ${report.error}` : ''}`,
    report.status === 'ok' ? 30 : 50,
  );
  if (report.status !== 'ok') {
    // The run's error body is what cron history keeps: it names the checkpoint to replay from.
    const replayFrom = report.failedCheckpoint ?? report.nextCheckpoint;
    throw Object.assign(new Error(`${report.error ?? `export ${report.status}`} (failed checkpoint: ${replayFrom ?? 'start'})`), {
      report,
    });
  }
  return report;
}

const registry = new WeakMap<object, Auth0Api>();

/** The Auth0 API installed into an emulator (tests, demo controls). */
export function auth0Of(emulator: object): Auth0Api | undefined {
  return registry.get(emulator);
}

export function install(emulator: Emulator): void {
  // Tenants are created on first use: the seed runs after install, so a container known by then gets its tenant.
  // `--log-rate` / `logRate`: how many events per second each demo tenant generates.
  const rate = emulator.options.logRate;
  const api = createAuth0Api({
    autoTenant: (name) => (emulator.tenants().includes(name) ? demoTenantOptions(name, rate ?? demoRate) : null),
  });
  registry.set(emulator, api);
  emulator.registerMount(api.mount);
  emulator.registerHostModule('auth0-log-export', exportHostModule());
  const close = emulator.close.bind(emulator);
  emulator.close = async () => {
    api.close();
    await close();
  };
}

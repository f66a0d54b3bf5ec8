import type { ExportConfig } from '../config';
import type { Destination, DestinationDeps } from './types';

export type { Destination, DestinationDeps, Encoded, SendResult, DestinationLimits } from './types';

/**
 * Each destination module is loaded only when a run uses it: the AWS and Azure SDKs cost seconds of
 * start-up, which every command-line run (and every replay) would pay for a destination it never sends to.
 */
export async function createDestination(cfg: ExportConfig, deps: DestinationDeps): Promise<Destination> {
  const n = cfg.maxBatchEvents;
  switch (cfg.destination) {
    case 'cloudwatch':
      return (await import('./cloudwatch')).cloudwatchDestination(cfg.cloudwatch!, deps, n);
    case 'logstash':
      return (await import('./logstash')).logstashDestination(cfg.logstash!, deps, n);
    case 'elasticsearch':
      return (await import('./elasticsearch')).elasticsearchDestination(cfg.elasticsearch!, deps, n);
    case 'azure-legacy':
      return (await import('./azure-legacy')).azureLegacyDestination(cfg.azureLegacy!, deps, n);
    case 'azure':
      return (await import('./azure')).azureDestination(cfg.azure!, deps, n);
    case 'splunk':
      return (await import('./splunk')).splunkDestination(cfg.splunk!, deps, n);
    case 'datadog':
      return (await import('./datadog')).datadogDestination(cfg.datadog!, deps, n);
  }
}

import type { ExportConfig } from '../config';
import { azureDestination } from './azure';
import { azureLegacyDestination } from './azure-legacy';
import { cloudwatchDestination } from './cloudwatch';
import { elasticsearchDestination } from './elasticsearch';
import { datadogDestination } from './datadog';
import { logstashDestination } from './logstash';
import { splunkDestination } from './splunk';
import type { Destination, DestinationDeps } from './types';

export type { Destination, DestinationDeps, Encoded, SendResult, DestinationLimits } from './types';

export function createDestination(cfg: ExportConfig, deps: DestinationDeps): Destination {
  const n = cfg.maxBatchEvents;
  switch (cfg.destination) {
    case 'cloudwatch':
      return cloudwatchDestination(cfg.cloudwatch!, deps, n);
    case 'logstash':
      return logstashDestination(cfg.logstash!, deps, n);
    case 'elasticsearch':
      return elasticsearchDestination(cfg.elasticsearch!, deps, n);
    case 'azure-legacy':
      return azureLegacyDestination(cfg.azureLegacy!, deps, n);
    case 'azure':
      return azureDestination(cfg.azure!, deps, n);
    case 'splunk':
      return splunkDestination(cfg.splunk!, deps, n);
    case 'datadog':
      return datadogDestination(cfg.datadog!, deps, n);
  }
}

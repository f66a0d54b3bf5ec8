// The destination of an export job in plain words, from its settings, with no credential in it.
import type { Destination } from '../../../common/contract';

/** A URL without user info, query or fragment: where data goes, never how it authenticates. */
function bare(url: string | undefined): string {
  if (!url) return '(no URL)';
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

const has = (s: Record<string, string>, k: string) => typeof s[k] === 'string' && s[k]!.trim() !== '';

export function describeDestination(settings: Record<string, string>): Destination {
  const s = settings;
  const explicit = s.DESTINATION?.trim().toLowerCase();
  const kinds: Destination['kind'][] = [];
  if (has(s, 'CLOUDWATCH_LOG_GROUP_NAME')) kinds.push('cloudwatch');
  if (has(s, 'LOGSTASH_URL')) kinds.push('logstash');
  if (has(s, 'ELASTICSEARCH_URL')) kinds.push('elasticsearch');
  if (has(s, 'LOGS_INGESTION_ENDPOINT')) kinds.push('azure');
  if (has(s, 'LOGANALYTICS_WORKSPACEID')) kinds.push('azure-legacy');
  if (has(s, 'SPLUNK_URL')) kinds.push('splunk');
  if (has(s, 'DATADOG_API_KEY')) kinds.push('datadog');
  const kind =
    (['cloudwatch', 'logstash', 'elasticsearch', 'azure', 'azure-legacy', 'splunk', 'datadog'] as const).find((k) => k === explicit) ??
    (kinds.length === 1 ? kinds[0]! : 'unknown');
  switch (kind) {
    case 'cloudwatch':
      return {
        kind,
        label: `CloudWatch ${s.CLOUDWATCH_LOG_GROUP_NAME ?? '?'} / ${s.CLOUDWATCH_LOG_STREAM_NAME ?? '?'} (${s.AWS_REGION || 'no region'})`,
      };
    case 'logstash':
      return { kind, label: `Logstash ${bare(s.LOGSTASH_URL)}${s.LOGSTASH_INDEX ? ` (index ${s.LOGSTASH_INDEX})` : ''}` };
    case 'elasticsearch':
      return { kind, label: `Elasticsearch ${bare(s.ELASTICSEARCH_URL)} (index ${s.ELASTICSEARCH_INDEX || 'auth0-logs'})` };
    case 'azure':
      return { kind, label: `Azure Logs Ingestion ${bare(s.LOGS_INGESTION_ENDPOINT)} (${s.LOGS_INGESTION_STREAM_NAME ?? '?'})` };
    case 'azure-legacy':
      return { kind, label: `Azure Log Analytics workspace ${s.LOGANALYTICS_WORKSPACEID ?? '?'} (${s.LOGANALYTICS_NAMESPACE || 'Auth0'})` };
    case 'splunk':
      return {
        kind,
        label: `Splunk HEC ${bare(s.SPLUNK_URL)}${s.SPLUNK_INDEX ? ` (index ${s.SPLUNK_INDEX})` : ''}${s.SPLUNK_FORMAT?.trim() ? `, ${s.SPLUNK_FORMAT.trim()} events` : ''}`,
      };
    case 'datadog':
      return {
        kind,
        label: `Datadog Logs ${s.DATADOG_URL ? bare(s.DATADOG_URL) : `site ${s.DATADOG_SERVER || 'US'}`}${s.DATADOG_FORMAT?.trim() ? `, ${s.DATADOG_FORMAT.trim()} events` : ''}`,
      };
    default:
      return {
        kind: 'unknown',
        label: kinds.length > 1 ? `several destinations (${kinds.join(', ')}): DESTINATION not set` : 'no destination configured',
      };
  }
}

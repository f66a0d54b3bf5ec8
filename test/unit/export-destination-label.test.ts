// The console's words for a Splunk or Datadog job's destination: kind and label, no credential.
import { describe, expect, it } from 'vitest';
import { DestinationKind, KNOWN_EXPORT_EXTENSIONS } from '../../common/contract';
import { describeDestination } from '../../core/host/exports/destination';

describe('destination labels for the new destinations', () => {
  it('describes a Splunk job by its collector URL and index, never its token', () => {
    const d = describeDestination({
      SPLUNK_URL: 'https://hec.example.com:8088/services/collector/event?token=x',
      SPLUNK_TOKEN: 'tok-secret-99',
      SPLUNK_INDEX: 'auth0',
      SPLUNK_FORMAT: 'compact',
    });
    expect(d).toEqual({
      kind: 'splunk',
      label: 'Splunk HEC https://hec.example.com:8088/services/collector/event (index auth0), compact events',
    });
    expect(JSON.stringify(d)).not.toContain('tok-secret-99');
  });

  it('describes a Datadog job by its site, never its API key', () => {
    const d = describeDestination({ DATADOG_API_KEY: 'dd-secret-77', DATADOG_SERVER: 'EU' });
    expect(d).toEqual({ kind: 'datadog', label: 'Datadog Logs site EU' });
    expect(describeDestination({ DATADOG_API_KEY: 'k', DATADOG_URL: 'http://127.0.0.1:1/dest/datadog' }).label).toBe(
      'Datadog Logs http://127.0.0.1:1/dest/datadog',
    );
    expect(JSON.stringify(d)).not.toContain('dd-secret-77');
  });

  it('the contract knows both kinds and their extension names', () => {
    expect(DestinationKind.parse('splunk')).toBe('splunk');
    expect(DestinationKind.parse('datadog')).toBe('datadog');
    expect(KNOWN_EXPORT_EXTENSIONS).toEqual(expect.arrayContaining(['logs-to-splunk', 'logs-to-datadog']));
    expect(describeDestination({ SPLUNK_URL: 'http://a', DATADOG_API_KEY: 'k' }).label).toBe(
      'several destinations (splunk, datadog): DESTINATION not set',
    );
  });
});

// Settings of the Splunk and Datadog destinations and the *_FORMAT switches: defaults, the old
// extensions' names, and a clear error per bad value.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseExportConfig, secretValues } from '../../core/export/config';

const base = { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_CLIENT_ID: 'cid', AUTH0_CLIENT_SECRET: 'csecret-123456' };

function problems(input: Record<string, unknown>): string[] {
  try {
    parseExportConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('Splunk settings', () => {
  it('infers splunk from SPLUNK_URL, applies the old default port and the documented collector path, compatible by default', () => {
    const c = parseExportConfig({ ...base, SPLUNK_URL: 'https://splunk.example.com', SPLUNK_TOKEN: 'tok-1' });
    expect(c.destination).toBe('splunk');
    expect(c.splunk).toEqual({
      url: 'https://splunk.example.com:8088/services/collector/event',
      token: 'tok-1',
      ack: false,
      format: 'compatible',
    });
  });

  it('keeps a URL that names the collector, puts the path after a prefix, honours SPLUNK_COLLECTOR_PORT and the old /event/1.0 path', () => {
    expect(
      parseExportConfig({ ...base, SPLUNK_URL: 'http://127.0.0.1:9/services/collector/event/1.0', SPLUNK_TOKEN: 't' }).splunk!.url,
    ).toBe('http://127.0.0.1:9/services/collector/event/1.0');
    expect(parseExportConfig({ ...base, SPLUNK_URL: 'http://127.0.0.1:9/dest/splunk', SPLUNK_TOKEN: 't' }).splunk!.url).toBe(
      'http://127.0.0.1:9/dest/splunk/services/collector/event',
    );
    expect(
      parseExportConfig({
        ...base,
        SPLUNK_URL: 'https://s.example.com',
        SPLUNK_COLLECTOR_PORT: '443',
        SPLUNK_COLLECTOR_PATH: '/services/collector/event/1.0',
        SPLUNK_TOKEN: 't',
      }).splunk!.url,
    ).toBe('https://s.example.com/services/collector/event/1.0');
  });

  it('names each bad or missing setting', () => {
    expect(problems({ ...base, SPLUNK_URL: 'https://s.example.com' })).toEqual([
      'SPLUNK_TOKEN is required: set it to the HTTP Event Collector token',
    ]);
    expect(
      problems({ ...base, SPLUNK_URL: 'https://s.example.com', SPLUNK_TOKEN: 't', SPLUNK_COLLECTOR_PATH: '/services/collector/raw' })[0],
    ).toMatch(/SPLUNK_COLLECTOR_PATH must be \/services\/collector\/event/);
    expect(problems({ ...base, SPLUNK_URL: 'https://s.example.com', SPLUNK_TOKEN: 't', SPLUNK_FORMAT: 'old' })[0]).toMatch(
      /SPLUNK_FORMAT must be compatible .* or compact/,
    );
    expect(problems({ ...base, SPLUNK_URL: 'https://s.example.com', SPLUNK_TOKEN: 't', SPLUNK_ACK: 'maybe' })[0]).toMatch(
      /SPLUNK_ACK must be true or false/,
    );
  });

  it('treats SPLUNK_TOKEN and DATADOG_API_KEY as secrets', () => {
    expect(secretValues({ SPLUNK_TOKEN: 'a', DATADOG_API_KEY: 'b' })).toEqual(['a', 'b']);
  });
});

describe('Datadog settings', () => {
  it('infers datadog from DATADOG_API_KEY; DATADOG_SERVER US/EU as the old extension, or a site', () => {
    const us = parseExportConfig({ ...base, DATADOG_API_KEY: 'k' });
    expect(us.destination).toBe('datadog');
    expect(us.datadog).toEqual({
      url: 'https://http-intake.logs.datadoghq.com/api/v2/logs',
      apiKey: 'k',
      service: 'auth0',
      hostname: 'acme.eu.auth0.com',
      format: 'compatible',
    });
    expect(parseExportConfig({ ...base, DATADOG_API_KEY: 'k', DATADOG_SERVER: 'EU' }).datadog!.url).toBe(
      'https://http-intake.logs.datadoghq.eu/api/v2/logs',
    );
    expect(parseExportConfig({ ...base, DATADOG_API_KEY: 'k', DATADOG_SERVER: 'us5.datadoghq.com' }).datadog!.url).toBe(
      'https://http-intake.logs.us5.datadoghq.com/api/v2/logs',
    );
  });

  it('refuses an unknown site and malformed tags, in words', () => {
    expect(problems({ ...base, DATADOG_API_KEY: 'k', DATADOG_SERVER: 'example.com' })[0]).toMatch(
      /DATADOG_SERVER must be US, EU or a Datadog site/,
    );
    expect(problems({ ...base, DATADOG_API_KEY: 'k', DATADOG_CUSTOM_TAGS: 'env prod' })[0]).toMatch(
      /DATADOG_CUSTOM_TAGS must be comma-separated key:value pairs/,
    );
  });

  it('LOGSTASH_FORMAT defaults to compatible and accepts compact', () => {
    expect(parseExportConfig({ ...base, LOGSTASH_URL: 'https://ls.example.com' }).logstash!.format).toBe('compatible');
    expect(parseExportConfig({ ...base, LOGSTASH_URL: 'https://ls.example.com', LOGSTASH_FORMAT: 'Compact' }).logstash!.format).toBe(
      'compact',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, parseExportConfig } from '../../core/export/config';

const base = {
  AUTH0_DOMAIN: 'acme.eu.auth0.com',
  AUTH0_CLIENT_ID: 'cid',
  AUTH0_CLIENT_SECRET: 'csecret-123456',
  LOGSTASH_URL: 'https://ls.example.com:8080',
};

function problems(input: unknown): string[] {
  try {
    parseExportConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('export settings', () => {
  it("accepts the seeds' setting names as webtask secrets (all strings) and normalises them", () => {
    const c = parseExportConfig({
      ...base,
      BATCH_SIZE: '50',
      LOG_LEVEL: 'error',
      LOG_TYPES: 's, fp ,f',
      SLACK_INCOMING_WEBHOOK: 'https://hooks.slack.com/services/T/B/X',
      SLACK_SEND_SUCCESS: 'true',
      START_FROM: '9'.repeat(56),
    });
    expect(c.destination).toBe('logstash');
    expect(c.batchSize).toBe(50);
    expect(c.logLevel).toBe(3);
    expect(c.logTypes).toEqual(['s', 'fp', 'f']);
    expect(c.slack).toEqual({ webhookUrl: 'https://hooks.slack.com/services/T/B/X', sendSuccess: true });
    expect(c.auth0.baseUrl).toBe('https://acme.eu.auth0.com');
    expect(c.auth0.audience).toBe('https://acme.eu.auth0.com/api/v2/');
    expect(c.startFrom).toBe('9'.repeat(56));
  });

  it("keeps a full URL as the Auth0 base (the emulator's /auth0/{tenant})", () => {
    const c = parseExportConfig({ ...base, AUTH0_DOMAIN: 'http://127.0.0.1:9/auth0/t1/' });
    expect(c.auth0.baseUrl).toBe('http://127.0.0.1:9/auth0/t1');
    expect(c.auth0.audience).toBe('http://127.0.0.1:9/auth0/t1/api/v2/');
  });

  it('treats empty strings as unset', () => {
    const c = parseExportConfig({ ...base, BATCH_SIZE: '', LOG_LEVEL: '', LOG_TYPES: '', START_FROM: '' });
    expect(c.batchSize).toBe(100);
    expect(c.logLevel).toBeNull();
    expect(c.logTypes).toEqual([]);
    expect(c.startFrom).toBeNull();
  });

  it.each([
    [{ ...base, BATCH_SIZE: '101' }, /BATCH_SIZE must be at most 100/],
    [{ ...base, BATCH_SIZE: '0' }, /BATCH_SIZE must be at least 1/],
    [{ ...base, BATCH_SIZE: 'lots' }, /BATCH_SIZE must be a whole number/],
    [{ ...base, START_FROM: '12345' }, /START_FROM must be a log id \(56 digits\)/],
    [{ ...base, LOG_LEVEL: 'loud' }, /LOG_LEVEL must be 0-4 or one of debug, info, warning, error, critical/],
    [{ ...base, LOG_LEVEL: '7' }, /LOG_LEVEL must be 0-4/],
    [{ ...base, LOG_TYPES: 's,nope,zz' }, /LOG_TYPES holds unknown log type code\(s\) nope, zz/],
    [{ ...base, SLACK_INCOMING_WEBHOOK: 'not a url' }, /SLACK_INCOMING_WEBHOOK must be an http\(s\) URL/],
    [{ ...base, SLACK_SEND_SUCCESS: 'maybe' }, /SLACK_SEND_SUCCESS must be true or false/],
    [{ ...base, LOGSTASH_URL: 'ftp://x' }, /LOGSTASH_URL must be an http\(s\) URL/],
    [{ ...base, LOGSTASH_USER: 'u' }, /LOGSTASH_USER and LOGSTASH_PASSWORD go together/],
    [
      { ...base, DESTINATION: 'sumologic' },
      /DESTINATION must be one of cloudwatch, logstash, elasticsearch, azure, azure-legacy, splunk, datadog/,
    ],
    [{ ...base, RETRY_BASE_MS: '1000', RETRY_MAX_MS: '10' }, /RETRY_MAX_MS must be at least RETRY_BASE_MS/],
  ])('names the setting and the fix: %j', (input, message) => {
    expect(problems(input).join('\n')).toMatch(message);
  });

  it('lists every missing required setting at once', () => {
    const p = problems({ LOGSTASH_URL: 'https://ls' });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AUTH0_DOMAIN is required: set it to the tenant's domain/),
        expect.stringMatching(/^AUTH0_CLIENT_ID is required/),
        expect.stringMatching(/^AUTH0_CLIENT_SECRET is required/),
      ]),
    );
  });

  it('asks for the destination when none or several are configured', () => {
    const { LOGSTASH_URL: _u, ...noDest } = base;
    expect(problems(noDest).join()).toMatch(/no destination configured: set CLOUDWATCH_LOG_GROUP_NAME, LOGSTASH_URL/);
    expect(problems({ ...base, ELASTICSEARCH_URL: 'https://es' }).join()).toMatch(
      /settings for several destinations \(logstash, elasticsearch\): set DESTINATION/,
    );
    expect(parseExportConfig({ ...base, ELASTICSEARCH_URL: 'https://es', DESTINATION: 'Elasticsearch' }).destination).toBe('elasticsearch');
  });

  it("checks each destination's own settings", () => {
    const { LOGSTASH_URL: _u, ...auth } = base;
    expect(problems({ ...auth, CLOUDWATCH_LOG_GROUP_NAME: '/g' }).join('\n')).toMatch(
      /CLOUDWATCH_LOG_STREAM_NAME is required[\s\S]*AWS_ACCESS_KEY_ID is required[\s\S]*AWS_REGION is required/,
    );
    expect(problems({ ...auth, LOGANALYTICS_WORKSPACEID: 'w', LOGANALYTICS_WORKSPACEKEY: 'not base64!' }).join()).toMatch(
      /LOGANALYTICS_WORKSPACEKEY must be the base64 key/,
    );
    expect(
      problems({ ...auth, LOGANALYTICS_WORKSPACEID: 'w', LOGANALYTICS_WORKSPACEKEY: 'a2V5', LOGANALYTICS_NAMESPACE: 'bad-name' }).join(),
    ).toMatch(/LOGANALYTICS_NAMESPACE must be letters, digits and _/);
    expect(problems({ ...auth, LOGS_INGESTION_ENDPOINT: 'https://dce' }).join('\n')).toMatch(
      /AZURE_TENANT_ID is required[\s\S]*LOGS_INGESTION_RULE_ID is required/,
    );
  });

  it('refuses something that is not an object', () => {
    expect(problems([1, 2]).join()).toMatch(/must be a JSON object of NAME: value pairs/);
    expect(problems('AUTH0_DOMAIN=x').join()).toMatch(/must be a JSON object/);
  });

  it('never quotes a secret value in its messages', () => {
    const secret = 'super-secret-value-123';
    const p = problems({ ...base, AUTH0_CLIENT_SECRET: secret, LOGSTASH_PASSWORD: secret, BATCH_SIZE: 'x' });
    expect(p.join()).not.toContain(secret);
  });
});

// Export settings as an attacker and a migrating customer send them: malformed URLs, aliases of
// older extensions, misspelt names, and random settings of any shape (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ExportConfig,
  EXTENSION_OWNED_SETTINGS,
  SETTING_ALIASES,
  SETTING_NAMES,
  parseExportConfig,
  settingWarnings,
} from '../../core/export/config';

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

describe('AUTH0_DOMAIN and URL settings are validated, naming the setting and never quoting it', () => {
  it.each([
    ['http://exa mple.com', /AUTH0_DOMAIN .*contains a space/],
    ['exa mple.com', /AUTH0_DOMAIN .*contains a space/],
    ['acme.auth0.com:99999', /AUTH0_DOMAIN has port 99999: a port is a number from 1 to 65535/],
    ['https://acme.auth0.com:99999/', /AUTH0_DOMAIN has port 99999/],
    ['ftp://acme.auth0.com', /AUTH0_DOMAIN must be the tenant's domain or an http\(s\) URL, like .*, not ftp:\/\//],
    ['https://user:pw-secret@acme.auth0.com', /AUTH0_DOMAIN must not hold a user name or password/],
    ['acme.auth0.com?x=1', /AUTH0_DOMAIN must be a domain .* without a query/],
    ['https://', /AUTH0_DOMAIN must be the tenant's domain or an http\(s\) URL/],
  ])('AUTH0_DOMAIN %j is refused', (domain, message) => {
    const p = problems({ ...base, AUTH0_DOMAIN: domain });
    expect(p.join('\n')).toMatch(message);
    if (domain.includes('secret')) expect(p.join('\n')).not.toContain('pw-secret');
  });

  it("accepts a domain, an https URL and the emulator's http URL with a path", () => {
    expect(parseExportConfig({ ...base, AUTH0_DOMAIN: 'acme.eu.auth0.com' }).auth0.baseUrl).toBe('https://acme.eu.auth0.com');
    expect(parseExportConfig({ ...base, AUTH0_DOMAIN: 'https://acme.eu.auth0.com:8443/' }).auth0.baseUrl).toBe(
      'https://acme.eu.auth0.com:8443',
    );
    expect(parseExportConfig({ ...base, AUTH0_DOMAIN: 'http://127.0.0.1:9/auth0/t1' }).auth0.baseUrl).toBe('http://127.0.0.1:9/auth0/t1');
  });

  const urlSettings = [
    'LOGSTASH_URL',
    'ELASTICSEARCH_URL',
    'SLACK_INCOMING_WEBHOOK',
    'CLOUDWATCH_ENDPOINT',
    'LOGANALYTICS_ENDPOINT',
    'AZURE_AUTHORITY_HOST',
    'LOGS_INGESTION_ENDPOINT',
  ];
  it.each(
    urlSettings.flatMap((k) => [
      [k, 'http://exa mple.com/x-secret-1', /contains a space/],
      [k, 'https://host.example:99999/x-secret-2', /has port 99999/],
      [k, 'ftp://host.example/x-secret-3', /not ftp:\/\//],
      [k, 'not-a-url-secret-4', /must be an http\(s\) URL/],
    ]),
  )('%s = %j is refused with the setting named', (k, value, message) => {
    const p = problems({ ...base, DESTINATION: 'logstash', [k]: value }).join('\n');
    expect(p).toMatch(new RegExp(`^${k} `, 'm'));
    expect(p).toMatch(message);
    expect(p).not.toMatch(/secret-\d/);
  });

  it('waits at most 60 s for an answer by default (REQUEST_TIMEOUT_MS)', () => {
    expect(parseExportConfig(base).requestTimeoutMs).toBeLessThanOrEqual(60_000);
  });
});

/**
 * Every setting name the seeded extension documents list, with a value and where the engine
 * shows it honoured. Sources: the first Logs to CloudWatch extension's documentation ("Export
 * Logs to AWS CloudWatch"), the later "Auth0 Logs to CloudWatch" and "Auth0 Logs to Logstash"
 * pages, and the "Ship your Auth0 logs to Azure Log Analytics" article.
 */
const SEED_SETTINGS: Array<[string, string, Record<string, string>, (c: ExportConfig) => unknown, unknown]> = [
  ['BATCH_SIZE', '40', {}, (c) => c.batchSize, 40],
  ['START_FROM', '9'.repeat(56), {}, (c) => c.startFrom, '9'.repeat(56)],
  [
    'SLACK_INCOMING_WEBHOOK_URL',
    'https://hooks.slack.com/services/T/B/OLD',
    {},
    (c) => c.slack?.webhookUrl,
    'https://hooks.slack.com/services/T/B/OLD',
  ],
  [
    'SLACK_INCOMING_WEBHOOK',
    'https://hooks.slack.com/services/T/B/NEW',
    {},
    (c) => c.slack?.webhookUrl,
    'https://hooks.slack.com/services/T/B/NEW',
  ],
  ['SLACK_SEND_SUCCESS', 'true', { SLACK_INCOMING_WEBHOOK: 'https://hooks.slack.com/services/T/B/X' }, (c) => c.slack?.sendSuccess, true],
  ['LOG_LEVEL', '3', {}, (c) => c.logLevel, 3],
  ['LOG_TYPES', 's,f', {}, (c) => c.logTypes, ['s', 'f']],
  ['CLOUDWATCH_LOG_GROUP_NAME', '/auth0/acme', CW(), (c) => c.cloudwatch?.group, '/auth0/acme'],
  ['CLOUDWATCH_LOG_STREAM_NAME', 'stream-1', CW(), (c) => c.cloudwatch?.stream, 'stream-1'],
  ['AWS_ACCESS_KEY_ID', 'AKIA0000000000000001', CW(), (c) => c.cloudwatch?.accessKeyId, 'AKIA0000000000000001'],
  ['AWS_SECRET_KEY', 'aws-secret-value-1', CW(), (c) => c.cloudwatch?.secretAccessKey, 'aws-secret-value-1'],
  ['AWS_REGION', 'eu-central-1', CW(), (c) => c.cloudwatch?.region, 'eu-central-1'],
  ['LOGSTASH_URL', 'https://logstash.example.com:8080', {}, (c) => c.logstash?.url, 'https://logstash.example.com:8080'],
  ['LOGSTASH_INDEX', 'auth0-idx', {}, (c) => c.logstash?.index, 'auth0-idx'],
  ['LOGSTASH_TOKEN', 'ls-token', {}, (c) => c.logstash?.token, 'ls-token'],
  ['LOGSTASH_USER', 'ls-user', { LOGSTASH_PASSWORD: 'p' }, (c) => c.logstash?.user, 'ls-user'],
  ['LOGSTASH_PASSWORD', 'ls-pass', { LOGSTASH_USER: 'u' }, (c) => c.logstash?.password, 'ls-pass'],
  [
    'LOGANALYTICS_WORKSPACEID',
    '11111111-2222-4333-8444-555555555555',
    AZ(),
    (c) => c.azureLegacy?.workspaceId,
    '11111111-2222-4333-8444-555555555555',
  ],
  ['LOGANALYTICS_WORKSPACEKEY', 'a2V5LWtleQ==', AZ(), (c) => c.azureLegacy?.workspaceKey, 'a2V5LWtleQ=='],
  ['LOGANALYTICS_NAMESPACE', 'Auth0Logs', AZ(), (c) => c.azureLegacy?.logType, 'Auth0Logs'],
  ['LOGANALYTICS_APIVERSION', '2016-04-01', AZ(), (c) => c.azureLegacy?.apiVersion, '2016-04-01'],
  // The job's cron schedule: listed with the settings in every seed, owned by the cron job (known, no warning).
  ['Schedule', '*/5 * * * *', {}, (c) => c.warnings, []],
];
function CW() {
  return {
    DESTINATION: 'cloudwatch',
    CLOUDWATCH_LOG_GROUP_NAME: 'g',
    CLOUDWATCH_LOG_STREAM_NAME: 's',
    AWS_ACCESS_KEY_ID: 'AKIA1',
    AWS_SECRET_KEY: 'k',
    AWS_REGION: 'eu-west-1',
  };
}
function AZ() {
  return {
    DESTINATION: 'azure-legacy',
    LOGANALYTICS_WORKSPACEID: '11111111-2222-4333-8444-555555555555',
    LOGANALYTICS_WORKSPACEKEY: 'a2V5',
  };
}

describe('every setting name the seeded extensions document is honoured', () => {
  it.each(SEED_SETTINGS)('%s', (name, value, extra, read, expected) => {
    const c = parseExportConfig({ ...base, ...extra, [name]: value });
    expect(read(c)).toEqual(expected);
    expect(c.warnings).toEqual([]);
  });

  it('the older SLACK_INCOMING_WEBHOOK_URL and SLACK_INCOMING_WEBHOOK are one setting: the same value is fine, different values are an error naming both', () => {
    const hook = 'https://hooks.slack.com/services/T/B/SAME';
    expect(parseExportConfig({ ...base, SLACK_INCOMING_WEBHOOK_URL: hook, SLACK_INCOMING_WEBHOOK: hook }).slack?.webhookUrl).toBe(hook);
    expect(parseExportConfig({ ...base, SLACK_INCOMING_WEBHOOK_URL: hook, SLACK_INCOMING_WEBHOOK: '' }).slack?.webhookUrl).toBe(hook);
    const p = problems({
      ...base,
      SLACK_INCOMING_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/ONE-secret',
      SLACK_INCOMING_WEBHOOK: 'https://hooks.slack.com/services/T/B/TWO-secret',
    }).join('\n');
    expect(p).toMatch(/SLACK_INCOMING_WEBHOOK_URL and SLACK_INCOMING_WEBHOOK are both set, to different values/);
    expect(p).not.toMatch(/ONE-secret|TWO-secret/);
  });

  it('an alias with a bad value is named as the user wrote it', () => {
    expect(problems({ ...base, SLACK_INCOMING_WEBHOOK_URL: 'ftp://hooks' }).join('\n')).toMatch(
      /^SLACK_INCOMING_WEBHOOK_URL \(read as SLACK_INCOMING_WEBHOOK\): .*not ftp:\/\//m,
    );
    expect(problems({ ...base, ...CW(), AWS_SECRET_KEY: 'a', AWS_SECRET_ACCESS_KEY: 'b' }).join('\n')).toMatch(
      /AWS_SECRET_ACCESS_KEY and AWS_SECRET_KEY are both set/,
    );
    expect(parseExportConfig({ ...base, ...CW(), AWS_SECRET_KEY: '', AWS_SECRET_ACCESS_KEY: 'sdk-name' }).cloudwatch?.secretAccessKey).toBe(
      'sdk-name',
    );
  });
});

describe('unknown settings are warned about with the closest known name', () => {
  it.each([
    ['SLACK_INCOMING_WEBHOK', 'SLACK_INCOMING_WEBHOOK'],
    ['LOGSTASH_URl', 'LOGSTASH_URL'],
    ['logstash_url', 'LOGSTASH_URL'],
    ['SLACK_WEBHOOK_URL', null],
    ['CLOUDWATCH_LOG_GROUP', 'CLOUDWATCH_LOG_GROUP_NAME'],
    ['AWS_SECRET', 'AWS_SECRET_KEY'],
    ['BATCHSIZE', 'BATCH_SIZE'],
    ['LOG_LEVLE', 'LOG_LEVEL'],
    ['SLACK_INCOMING_WEBHOOK_ULR', 'SLACK_INCOMING_WEBHOOK'],
    ['FOO', null],
  ])('%s', (name, near) => {
    const c = parseExportConfig({ ...base, [name]: 'https://hooks.slack.com/services/T/B/VALUE-secret' });
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toContain(`"${name}" is ignored`);
    if (near) expect(c.warnings[0]).toContain(`did you mean ${near}?`);
    else expect(c.warnings[0]).not.toContain('did you mean');
    expect(c.warnings[0]).not.toContain('VALUE-secret');
  });

  it("the extension's own secrets and the webtask runtime's keys are known and not warned about", () => {
    const owned = Object.fromEntries([...EXTENSION_OWNED_SETTINGS, 'webtask_container', 'WEBTASK_URL'].map((k) => [k, 'x']));
    expect(settingWarnings({ ...base, ...owned })).toEqual([]);
    expect(parseExportConfig({ ...base, ...owned }).warnings).toEqual([]);
  });

  it('a hostile name is shown bounded and without control characters', () => {
    const [w] = settingWarnings({ [`\u001b[2J${'A'.repeat(500)}\n`]: 1 });
    expect([...w!].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
    expect(w!.length).toBeLessThan(200);
  });
});

describe('random settings never crash the parser nor echo a secret (fast-check)', () => {
  const SEED = 20261202;
  // FUZZ_RUNS raises the number of runs locally, as for the browser host fuzzing.
  const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
  const SECRET_NAMES = [
    'AUTH0_CLIENT_SECRET',
    'AWS_SECRET_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'LOGSTASH_TOKEN',
    'LOGSTASH_PASSWORD',
    'ELASTICSEARCH_PASSWORD',
    'ELASTICSEARCH_API_KEY',
    'LOGANALYTICS_WORKSPACEKEY',
    'AZURE_CLIENT_SECRET',
    'SLACK_INCOMING_WEBHOOK',
    'SLACK_INCOMING_WEBHOOK_URL',
    'EXTENSION_SECRET',
  ];
  const KNOWN = [...SETTING_NAMES, ...Object.keys(SETTING_ALIASES), ...EXTENSION_OWNED_SETTINGS];
  const key = fc.oneof(fc.constantFrom(...KNOWN), fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'));
  const secret = fc.string({ minLength: 6, maxLength: 30 }).map((s) => `Zq9!${s}`);
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('', ' ', 'true', '100', '-1', '1e309', 'http://exa mple.com', 'ftp://x', 'https://x:99999'),
    fc.constant({ toString: 1 }),
    fc.constant([{ toString: 1 }]),
  );
  const settings = fc.tuple(
    fc.dictionary(key, anyValue, { maxKeys: 25 }),
    fc.dictionary(fc.constantFrom(...SECRET_NAMES), secret, { maxKeys: 4 }),
  );

  it('ends in a typed result or a ConfigError whose every line names a setting', () => {
    console.log(`fast-check export settings: seed ${SEED} (replay with fc.assert(..., { seed: ${SEED} }))`);
    fc.assert(
      fc.property(settings, fc.boolean(), ([any, secrets], asJson) => {
        const merged: Record<string, unknown> = { ...any, ...secrets };
        // Half the runs go through JSON text, as the CLI reads them (own "__proto__" keys included).
        const input = asJson ? (JSON.parse(JSON.stringify(merged)) as unknown) : merged;
        const secretValues = Object.values(secrets);
        let lines: string[];
        try {
          const c = parseExportConfig(input);
          expect(typeof c.destination).toBe('string');
          expect(Array.isArray(c.warnings)).toBe(true);
          lines = c.warnings;
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          lines = e.problems;
          for (const l of lines)
            expect(
              KNOWN.some((k) => l.includes(k)),
              l,
            ).toBe(true);
        }
        for (const l of lines) for (const v of secretValues) if (!Object.keys(any).some((k) => k.includes(v))) expect(l).not.toContain(v);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // CPU-bound work whose time scales with the machine's load, not a wait: the bound is generous.
  }, 60_000);
});

import { z } from 'zod';
import { LEVEL_NAMES, LOG_TYPES } from './log-types';
import { LOG_ID } from '../../common/checkpoint';

/**
 * The export job's settings, under the names users already know from the old extensions'
 * secrets (BATCH_SIZE, START_FROM, LOG_LEVEL, ...). Webtask secrets are strings, so every
 * number and boolean is accepted as a string too; an empty string means "not set".
 */

export const DESTINATIONS = ['cloudwatch', 'logstash', 'elasticsearch', 'azure', 'azure-legacy', 'splunk', 'datadog'] as const;
export type DestinationKind = (typeof DESTINATIONS)[number];

const empty = (v: unknown) => (v === '' || v === null ? undefined : v);
const str = (setting: string, fix: string) =>
  z.preprocess(
    empty,
    z
      .string({ error: `${setting} must be text: ${fix}` })
      .trim()
      .optional(),
  );
const int = (setting: string, min: number, max: number, fix: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : empty(v)),
    z
      .number({ error: `${setting} must be a whole number from ${min} to ${max}: ${fix}` })
      .int(`${setting} must be a whole number from ${min} to ${max}: ${fix}`)
      .min(min, `${setting} must be at least ${min}: ${fix}`)
      .max(max, `${setting} must be at most ${max}: ${fix}`)
      .optional(),
  );
const bool = (setting: string) =>
  z.preprocess(
    (v) => {
      if (typeof v !== 'string') return empty(v);
      const s = v.trim().toLowerCase();
      if (s === '') return undefined;
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return v;
    },
    z.boolean({ error: `${setting} must be true or false` }).optional(),
  );
/**
 * Why `s` is not an http(s) URL fit for `setting`, or null when it is. Never quotes the value:
 * a URL setting may carry a credential (a Slack webhook, a token in a query string).
 */
export function urlProblem(setting: string, s: string, example: string): string | null {
  if (/\s/.test(s)) return `${setting} must be an http(s) URL like ${example}: it contains a space or a line break`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https' && /^[a-z][a-z0-9+.-]*:\/\//i.test(s))
    return `${setting} must be an http(s) URL like ${example}, not ${scheme}://`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    const port = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(s)?.[1];
    if (port !== undefined && Number(port) > 65_535) return `${setting} has port ${port}: a port is a number from 1 to 65535 (${example})`;
    return `${setting} must be an http(s) URL like ${example}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${setting} must be an http(s) URL like ${example}, not ${u.protocol}//`;
  if (!u.hostname) return `${setting} must name a host, like ${example}`;
  if (u.port === '0') return `${setting} has port 0: a port is a number from 1 to 65535 (${example})`;
  return null;
}

const url = (setting: string, example: string) =>
  z.preprocess(
    empty,
    z
      .string({ error: `${setting} must be a URL like ${example}` })
      .trim()
      .superRefine((s, ctx) => {
        const problem = urlProblem(setting, s, example);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  );

export const FORMATS = ['compatible', 'compact'] as const;
export type EventFormat = (typeof FORMATS)[number];
const format = (setting: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? empty(v.trim().toLowerCase()) : empty(v)),
    z.enum(FORMATS, { error: `${setting} must be compatible (what the old extension sent, the default) or compact` }).optional(),
  );

const RawConfig = z.object({
  DESTINATION: z.preprocess(
    (v) => (typeof v === 'string' ? empty(v.trim().toLowerCase()) : empty(v)),
    z
      .enum(DESTINATIONS, {
        error: `DESTINATION must be one of ${DESTINATIONS.join(', ')} (or leave it out to infer it from the destination's settings)`,
      })
      .optional(),
  ),
  AUTH0_DOMAIN: str('AUTH0_DOMAIN', "the tenant's domain, e.g. mytenant.eu.auth0.com"),
  AUTH0_CLIENT_ID: str('AUTH0_CLIENT_ID', 'the client id of a machine-to-machine application with read:logs'),
  AUTH0_CLIENT_SECRET: str('AUTH0_CLIENT_SECRET', "that application's client secret"),
  BATCH_SIZE: int('BATCH_SIZE', 1, 100, 'the Management API returns at most 100 logs per request; use 100 unless told otherwise'),
  START_FROM: z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : empty(typeof v === 'string' ? v.trim() : v)),
    z
      .string()
      .regex(
        LOG_ID,
        'START_FROM must be a log id (56 digits), e.g. the "Next checkpoint" of a previous run; leave it empty to start from the oldest log',
      )
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => {
      if (typeof v !== 'string') return empty(v);
      const s = v.trim().toLowerCase();
      if (s === '') return undefined;
      const named = (LEVEL_NAMES as readonly string[]).indexOf(s);
      return named >= 0 ? named : Number(s);
    },
    z
      .number({ error: `LOG_LEVEL must be 0-4 or one of ${LEVEL_NAMES.join(', ')}` })
      .int(`LOG_LEVEL must be 0-4 or one of ${LEVEL_NAMES.join(', ')}`)
      .min(0, `LOG_LEVEL must be 0-4 or one of ${LEVEL_NAMES.join(', ')}`)
      .max(4, `LOG_LEVEL must be 0-4 or one of ${LEVEL_NAMES.join(', ')}`)
      .optional(),
  ),
  LOG_TYPES: z.preprocess(
    (v) => {
      // Only text and numbers are codes; String() on an arbitrary object can throw (a hostile toString).
      if (Array.isArray(v))
        return v.map((x) => (typeof x === 'string' || typeof x === 'number' ? String(x).trim() : '(not text)')).filter(Boolean);
      if (typeof v === 'string')
        return v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
      return empty(v);
    },
    z
      .array(z.string())
      .refine((codes) => codes.every((c) => LOG_TYPES.has(c)), {
        error: (issue) => {
          const bad = (issue.input as string[]).filter((c) => !LOG_TYPES.has(c));
          const shown = bad.slice(0, 5).map((c) => (c.length > 24 ? `${c.slice(0, 24)}…` : c));
          return `LOG_TYPES holds unknown log type code(s) ${shown.join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}: use codes from the log types table, comma-separated, e.g. "s,f,fp"`;
        },
      })
      .optional(),
  ),
  SLACK_INCOMING_WEBHOOK: url('SLACK_INCOMING_WEBHOOK', 'https://hooks.slack.com/services/T000/B000/XXXX'),
  SLACK_SEND_SUCCESS: bool('SLACK_SEND_SUCCESS'),
  MAX_RETRIES: int('MAX_RETRIES', 0, 100, 'how many times a failing request is retried before the run stops'),
  RETRY_BASE_MS: int('RETRY_BASE_MS', 1, 600_000, 'the first backoff delay in milliseconds'),
  RETRY_MAX_MS: int('RETRY_MAX_MS', 1, 3_600_000, 'the longest backoff delay in milliseconds'),
  REQUEST_TIMEOUT_MS: int('REQUEST_TIMEOUT_MS', 100, 600_000, 'how long one request may take in milliseconds'),
  MAX_LOGS: int('MAX_LOGS', 1, Number.MAX_SAFE_INTEGER, 'stop after this many logs (leave empty to run to the newest log)'),
  FETCH_AHEAD_PAGES: int('FETCH_AHEAD_PAGES', 1, 1000, 'how many source pages may be fetched ahead of delivery'),
  MAX_BATCH_EVENTS: int('MAX_BATCH_EVENTS', 1, 10_000, "the most logs per destination request (capped by the destination's own limit)"),
  // CloudWatch
  CLOUDWATCH_LOG_GROUP_NAME: str('CLOUDWATCH_LOG_GROUP_NAME', 'the log group to write to, e.g. /auth0/mytenant'),
  CLOUDWATCH_LOG_STREAM_NAME: str('CLOUDWATCH_LOG_STREAM_NAME', 'the log stream to write to, e.g. export'),
  AWS_ACCESS_KEY_ID: str('AWS_ACCESS_KEY_ID', 'an access key allowed logs:PutLogEvents and logs:DescribeLogStreams'),
  AWS_SECRET_KEY: str('AWS_SECRET_KEY', "that access key's secret"),
  AWS_REGION: str('AWS_REGION', 'the region of the log group, e.g. eu-west-1'),
  CLOUDWATCH_ENDPOINT: url('CLOUDWATCH_ENDPOINT', 'http://127.0.0.1:8721/dest/cloudwatch (only to target an emulator)'),
  CLOUDWATCH_CREATE: bool('CLOUDWATCH_CREATE'),
  // Logstash
  LOGSTASH_URL: url('LOGSTASH_URL', 'https://logstash.example.com:8080'),
  LOGSTASH_INDEX: str('LOGSTASH_INDEX', 'the index name added to each event'),
  LOGSTASH_TOKEN: str('LOGSTASH_TOKEN', 'the token your Logstash expects in the query string'),
  LOGSTASH_USER: str('LOGSTASH_USER', "the http input's user"),
  LOGSTASH_PASSWORD: str('LOGSTASH_PASSWORD', "the http input's password"),
  LOGSTASH_FORMAT: format('LOGSTASH_FORMAT'),
  // Elasticsearch
  ELASTICSEARCH_URL: url('ELASTICSEARCH_URL', 'https://es.example.com:9200'),
  ELASTICSEARCH_INDEX: str('ELASTICSEARCH_INDEX', 'the index to write to, e.g. auth0-logs'),
  ELASTICSEARCH_USER: str('ELASTICSEARCH_USER', 'the user'),
  ELASTICSEARCH_PASSWORD: str('ELASTICSEARCH_PASSWORD', 'the password'),
  ELASTICSEARCH_API_KEY: str('ELASTICSEARCH_API_KEY', 'an API key (base64 id:key)'),
  // Azure, legacy HTTP Data Collector API
  LOGANALYTICS_WORKSPACEID: str('LOGANALYTICS_WORKSPACEID', 'the workspace id (a GUID)'),
  LOGANALYTICS_WORKSPACEKEY: str('LOGANALYTICS_WORKSPACEKEY', "the workspace's primary key (base64)"),
  LOGANALYTICS_NAMESPACE: str('LOGANALYTICS_NAMESPACE', 'the custom log type, letters, digits and _ only, e.g. Auth0'),
  LOGANALYTICS_APIVERSION: str('LOGANALYTICS_APIVERSION', 'the Data Collector API version, 2016-04-01'),
  LOGANALYTICS_ENDPOINT: url('LOGANALYTICS_ENDPOINT', 'https://{workspace}.ods.opinsights.azure.com (only to target an emulator)'),
  // Azure, Logs Ingestion API
  AZURE_TENANT_ID: str('AZURE_TENANT_ID', 'the Entra tenant id of the app registration'),
  AZURE_CLIENT_ID: str('AZURE_CLIENT_ID', "the app registration's client id"),
  AZURE_CLIENT_SECRET: str('AZURE_CLIENT_SECRET', "the app registration's client secret"),
  AZURE_AUTHORITY_HOST: url('AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
  LOGS_INGESTION_ENDPOINT: url('LOGS_INGESTION_ENDPOINT', 'https://my-dce.eastus-1.ingest.monitor.azure.com'),
  LOGS_INGESTION_RULE_ID: str('LOGS_INGESTION_RULE_ID', 'the immutable id of the Data Collection Rule, dcr-...'),
  LOGS_INGESTION_STREAM_NAME: str('LOGS_INGESTION_STREAM_NAME', 'the stream declared in the rule, e.g. Custom-Auth0Logs_CL'),
  // Splunk HTTP Event Collector (the old extension's names, plus index/source/sourcetype, indexer acknowledgement and the event shape)
  SPLUNK_URL: url('SPLUNK_URL', 'https://splunk.example.com:8088'),
  SPLUNK_TOKEN: str('SPLUNK_TOKEN', 'the HTTP Event Collector token (a GUID)'),
  SPLUNK_COLLECTOR_PORT: int('SPLUNK_COLLECTOR_PORT', 1, 65535, "the collector's port when SPLUNK_URL has none (default 8088)"),
  SPLUNK_COLLECTOR_PATH: str('SPLUNK_COLLECTOR_PATH', 'the collector path, /services/collector/event (or /services/collector/event/1.0)'),
  SPLUNK_INDEX: str('SPLUNK_INDEX', "an index the token may write to (empty: the token's default index)"),
  SPLUNK_SOURCE: str('SPLUNK_SOURCE', 'the source field of each event (compact format)'),
  SPLUNK_SOURCETYPE: str('SPLUNK_SOURCETYPE', 'the sourcetype of each event (compact format), e.g. _json'),
  SPLUNK_ACK: bool('SPLUNK_ACK'),
  SPLUNK_FORMAT: format('SPLUNK_FORMAT'),
  // Datadog Logs intake, API v2
  DATADOG_API_KEY: str('DATADOG_API_KEY', 'a Datadog API key (Organization settings > API keys)'),
  DATADOG_SERVER: str('DATADOG_SERVER', 'the Datadog site: US, EU, or a site such as us3.datadoghq.com'),
  DATADOG_URL: url('DATADOG_URL', 'https://http-intake.logs.datadoghq.com (only to target another intake or an emulator)'),
  DATADOG_CUSTOM_TAGS: str('DATADOG_CUSTOM_TAGS', 'comma-separated key:value tags, e.g. env:prod,team:iam'),
  DATADOG_SERVICE: str('DATADOG_SERVICE', 'the service attribute of each log (compact format), default auth0'),
  DATADOG_FORMAT: format('DATADOG_FORMAT'),
});

type Raw = z.infer<typeof RawConfig>;

/** Every setting the engine reads, under its current name. */
export const SETTING_NAMES: readonly string[] = Object.keys(RawConfig.shape);

/**
 * Older names of a setting, mapped to the one the engine reads. The first Logs to CloudWatch
 * extension's documentation names the Slack webhook SLACK_INCOMING_WEBHOOK_URL; the later
 * extensions call it SLACK_INCOMING_WEBHOOK. AWS's own SDKs call the secret AWS_SECRET_ACCESS_KEY.
 */
export const SETTING_ALIASES: Readonly<Record<string, string>> = {
  SLACK_INCOMING_WEBHOOK_URL: 'SLACK_INCOMING_WEBHOOK',
  AWS_SECRET_ACCESS_KEY: 'AWS_SECRET_KEY',
};

/**
 * Settings that belong to the extension or its cron job rather than to the export: an Auth0
 * extension's own secrets (its session key, the Auth0 hosts it was installed from), the webtask
 * runtime's, and the job's Schedule (a cron setting the seeds list with the others). Known, read
 * by no one here, and never warned about.
 */
export const EXTENSION_OWNED_SETTINGS: readonly string[] = [
  'EXTENSION_SECRET',
  'EXTENSION_CLIENT_ID',
  'AUTH0_RTA',
  'AUTH0_ISSUER_DOMAIN',
  'AUTH0_MANAGE_URL',
  'WT_URL',
  'PUBLIC_WT_URL',
  'NODE_ENV',
  'Schedule',
  'SCHEDULE',
];
/** The webtask runtime's own keys (webtask_*, WEBTASK_*): internals, never the export's. */
const RUNTIME_KEY = /^webtask_/i;

const isOwned = (k: string) => EXTENSION_OWNED_SETTINGS.includes(k) || RUNTIME_KEY.test(k);
const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isSet = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/** Edit distance (insert, delete, substitute, swap two neighbours): a few lines, not worth a dependency. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known setting closest to `name` (case aside), when it is close enough to be a slip. */
export function closestSetting(name: string): string | null {
  const n = name.trim().toUpperCase();
  let best: { name: string; d: number } | null = null;
  for (const k of [...SETTING_NAMES, ...Object.keys(SETTING_ALIASES)]) {
    // A name cut short or run long (CLOUDWATCH_LOG_GROUP) is as near as a typo.
    const d = n.length >= 8 && (k.startsWith(n) || n.startsWith(k)) ? 1 : distance(n, k);
    if (!best || d < best.d) best = { name: SETTING_ALIASES[k] ?? k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(n.length / 5)) ? best.name : null;
}

/** A setting's name as it may be shown: bounded, without control characters. */
function shownName(k: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a terminal
  const clean = k.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 60)}…` : clean);
}

/**
 * One line per setting the engine does not know and the extension does not own, with the closest
 * known name when there is one. Names only: a value is never quoted.
 */
export function settingWarnings(input: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(input)) {
    if (SETTING_NAMES.includes(k) || has(SETTING_ALIASES, k) || isOwned(k)) continue;
    const near = closestSetting(k);
    out.push(
      `unknown setting ${shownName(k)} is ignored${near ? `: did you mean ${near}?` : ' (not an export setting; see the export settings list)'}`,
    );
  }
  return out;
}

/**
 * The known settings of `input` under their current names, plus problems: an alias and its
 * setting both set to different values. Unknown keys are left out (they are warned about).
 */
function canonical(input: Record<string, unknown>): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const k of SETTING_NAMES) if (has(input, k)) values[k] = input[k];
  for (const [alias, name] of Object.entries(SETTING_ALIASES)) {
    if (!has(input, alias) || !isSet(input[alias])) continue;
    const v = input[alias];
    if (isSet(values[name])) {
      const same =
        typeof v === typeof values[name] && (typeof v === 'string' ? v.trim() === (values[name] as string).trim() : v === values[name]);
      if (!same)
        problems.push(
          `${alias} and ${name} are both set, to different values: they are one setting (${alias} is its older name); keep only ${name}`,
        );
    } else {
      values[name] = v;
    }
  }
  return { values, problems };
}

/** AUTH0_DOMAIN: a domain (mytenant.eu.auth0.com) or a full http(s) URL (an emulator's /auth0/{tenant}). */
function auth0DomainProblem(domain: string): string | null {
  const example = 'mytenant.eu.auth0.com';
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(domain) ? domain : `https://${domain}`;
  const problem = urlProblem('AUTH0_DOMAIN', full, example);
  if (problem) return problem.replace('must be an http(s) URL like', "must be the tenant's domain or an http(s) URL, like");
  const u = new URL(full);
  if (u.username || u.password)
    return 'AUTH0_DOMAIN must not hold a user name or password: put the credentials in AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET';
  if (u.search || u.hash) return `AUTH0_DOMAIN must be a domain like ${example}, without a query (?) or fragment (#)`;
  return null;
}

export interface ExportConfig {
  destination: DestinationKind;
  auth0: { baseUrl: string; audience: string; clientId: string; clientSecret: string };
  batchSize: number;
  startFrom: string | null;
  logLevel: number | null;
  logTypes: string[];
  slack: { webhookUrl: string; sendSuccess: boolean } | null;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
  maxLogs: number | null;
  fetchAheadPages: number;
  maxBatchEvents: number | null;
  /** Settings the engine ignores, each with the closest known name when there is one. */
  warnings: string[];
  cloudwatch?: {
    group: string;
    stream: string;
    accessKeyId: string;
    secretAccessKey: string;
    region: string;
    endpoint?: string;
    create: boolean;
  };
  logstash?: { url: string; index?: string; token?: string; user?: string; password?: string; format: EventFormat };
  elasticsearch?: { url: string; index: string; user?: string; password?: string; apiKey?: string };
  azureLegacy?: { workspaceId: string; workspaceKey: string; logType: string; apiVersion: string; endpoint: string };
  azure?: {
    tenantId: string;
    clientId: string;
    clientSecret: string;
    authorityHost?: string;
    endpoint: string;
    ruleId: string;
    streamName: string;
  };
  splunk?: { url: string; token: string; index?: string; source?: string; sourcetype?: string; ack: boolean; format: EventFormat };
  datadog?: { url: string; apiKey: string; tags?: string; service: string; hostname: string; format: EventFormat };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid export settings:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const SECRET_SETTINGS = [
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
  'SPLUNK_TOKEN',
  'DATADOG_API_KEY',
] as const;

/** Values of a raw configuration that must never appear in a log line, error or report. */
export function secretValues(raw: Record<string, unknown>): string[] {
  return SECRET_SETTINGS.map((k) => (has(raw, k) ? raw[k] : undefined)).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function need(raw: Raw, problems: string[], setting: keyof Raw & string, fix: string): string {
  const v = raw[setting];
  if (typeof v === 'string' && v !== '') return v;
  problems.push(`${setting} is required: ${fix}`);
  return '';
}

/** "mytenant.auth0.com" -> https://mytenant.auth0.com; a full URL (an emulator's /auth0/{tenant}) is kept. */
export function auth0BaseUrl(domain: string): string {
  const withScheme = /^https?:\/\//i.test(domain) ? domain : `https://${domain}`;
  return withScheme.replace(/\/+$/, '');
}

function inferDestination(raw: Raw): DestinationKind[] {
  const found: DestinationKind[] = [];
  if (raw.CLOUDWATCH_LOG_GROUP_NAME) found.push('cloudwatch');
  if (raw.LOGSTASH_URL) found.push('logstash');
  if (raw.ELASTICSEARCH_URL) found.push('elasticsearch');
  if (raw.LOGS_INGESTION_ENDPOINT) found.push('azure');
  if (raw.LOGANALYTICS_WORKSPACEID) found.push('azure-legacy');
  if (raw.SPLUNK_URL) found.push('splunk');
  if (raw.DATADOG_API_KEY) found.push('datadog');
  return found;
}

/** Validates settings; throws ConfigError whose lines each name a setting and its fix. */
export function parseExportConfig(input: unknown): ExportConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(['the settings must be a JSON object of NAME: value pairs, e.g. {"AUTH0_DOMAIN": "mytenant.auth0.com", ...}']);
  }
  const settings = input as Record<string, unknown>;
  const { values, problems: aliasProblems } = canonical(settings);
  const parsed = RawConfig.safeParse(values);
  if (!parsed.success || aliasProblems.length) {
    const viaAlias = (name: string) =>
      Object.keys(SETTING_ALIASES).find(
        (a) => SETTING_ALIASES[a] === name && has(settings, a) && isSet(settings[a]) && !isSet(settings[name]),
      );
    throw new ConfigError([
      ...aliasProblems,
      ...(parsed.error?.issues ?? []).map((i) => {
        const setting = i.path.map(String).join('.');
        const line = i.message.startsWith(setting) ? i.message : `${setting}: ${i.message}`;
        const alias = viaAlias(setting);
        return alias ? `${alias} (read as ${setting}): ${line}` : line;
      }),
    ]);
  }
  const raw = parsed.data;
  const problems: string[] = [];
  const domain = need(raw, problems, 'AUTH0_DOMAIN', "set it to the tenant's domain, e.g. mytenant.eu.auth0.com");
  const clientId = need(raw, problems, 'AUTH0_CLIENT_ID', 'set it to the client id of a machine-to-machine application allowed read:logs');
  const clientSecret = need(raw, problems, 'AUTH0_CLIENT_SECRET', "set it to that application's client secret");
  const domainProblem = domain ? auth0DomainProblem(domain) : null;
  if (domainProblem) problems.push(domainProblem);

  let destination = raw.DESTINATION;
  if (!destination) {
    const found = inferDestination(raw);
    if (found.length === 1) destination = found[0];
    else if (found.length === 0)
      problems.push(
        'no destination configured: set CLOUDWATCH_LOG_GROUP_NAME, LOGSTASH_URL, ELASTICSEARCH_URL, LOGS_INGESTION_ENDPOINT, LOGANALYTICS_WORKSPACEID, SPLUNK_URL or DATADOG_API_KEY (or DESTINATION)',
      );
    else problems.push(`settings for several destinations (${found.join(', ')}): set DESTINATION to the one this job writes to`);
  }

  const baseUrl = domain && !domainProblem ? auth0BaseUrl(domain) : '';
  const cfg: ExportConfig = {
    destination: destination ?? 'logstash',
    auth0: { baseUrl, audience: `${baseUrl}/api/v2/`, clientId, clientSecret },
    batchSize: raw.BATCH_SIZE ?? 100,
    startFrom: raw.START_FROM ?? null,
    logLevel: raw.LOG_LEVEL ?? null,
    logTypes: raw.LOG_TYPES ?? [],
    slack: raw.SLACK_INCOMING_WEBHOOK ? { webhookUrl: raw.SLACK_INCOMING_WEBHOOK, sendSuccess: raw.SLACK_SEND_SUCCESS ?? false } : null,
    maxRetries: raw.MAX_RETRIES ?? 8,
    retryBaseMs: raw.RETRY_BASE_MS ?? 500,
    retryMaxMs: raw.RETRY_MAX_MS ?? 30_000,
    requestTimeoutMs: raw.REQUEST_TIMEOUT_MS ?? 30_000,
    maxLogs: raw.MAX_LOGS ?? null,
    fetchAheadPages: raw.FETCH_AHEAD_PAGES ?? 50,
    maxBatchEvents: raw.MAX_BATCH_EVENTS ?? null,
    warnings: settingWarnings(settings),
  };
  if (cfg.retryMaxMs < cfg.retryBaseMs) problems.push('RETRY_MAX_MS must be at least RETRY_BASE_MS');

  switch (destination) {
    case 'cloudwatch': {
      const secret = raw.AWS_SECRET_KEY;
      if (!secret) problems.push("AWS_SECRET_KEY is required: set it to the access key's secret");
      cfg.cloudwatch = {
        group: need(raw, problems, 'CLOUDWATCH_LOG_GROUP_NAME', 'set it to the log group, e.g. /auth0/mytenant'),
        stream: need(raw, problems, 'CLOUDWATCH_LOG_STREAM_NAME', 'set it to the log stream, e.g. export'),
        accessKeyId: need(
          raw,
          problems,
          'AWS_ACCESS_KEY_ID',
          'set it to an access key allowed logs:PutLogEvents and logs:DescribeLogStreams',
        ),
        secretAccessKey: secret ?? '',
        region: need(raw, problems, 'AWS_REGION', 'set it to the region of the log group, e.g. eu-west-1'),
        endpoint: raw.CLOUDWATCH_ENDPOINT,
        create: raw.CLOUDWATCH_CREATE ?? true,
      };
      break;
    }
    case 'logstash':
      cfg.logstash = {
        url: need(raw, problems, 'LOGSTASH_URL', "set it to the http input's URL, e.g. https://logstash.example.com:8080"),
        index: raw.LOGSTASH_INDEX,
        token: raw.LOGSTASH_TOKEN,
        user: raw.LOGSTASH_USER,
        password: raw.LOGSTASH_PASSWORD,
        format: raw.LOGSTASH_FORMAT ?? 'compatible',
      };
      if (Boolean(raw.LOGSTASH_USER) !== Boolean(raw.LOGSTASH_PASSWORD))
        problems.push('LOGSTASH_USER and LOGSTASH_PASSWORD go together: set both for basic auth, or neither');
      break;
    case 'elasticsearch':
      cfg.elasticsearch = {
        url: need(raw, problems, 'ELASTICSEARCH_URL', 'set it to the cluster URL, e.g. https://es.example.com:9200'),
        index: raw.ELASTICSEARCH_INDEX ?? 'auth0-logs',
        user: raw.ELASTICSEARCH_USER,
        password: raw.ELASTICSEARCH_PASSWORD,
        apiKey: raw.ELASTICSEARCH_API_KEY,
      };
      break;
    case 'azure-legacy': {
      const workspaceId = need(raw, problems, 'LOGANALYTICS_WORKSPACEID', 'set it to the workspace id (a GUID)');
      const workspaceKey = need(raw, problems, 'LOGANALYTICS_WORKSPACEKEY', "set it to the workspace's primary key");
      if (workspaceKey && !/^[A-Za-z0-9+/]+={0,2}$/.test(workspaceKey))
        problems.push("LOGANALYTICS_WORKSPACEKEY must be the base64 key shown in the workspace's Agents page");
      const logType = raw.LOGANALYTICS_NAMESPACE ?? 'Auth0';
      if (!/^[A-Za-z0-9_]{1,100}$/.test(logType))
        problems.push('LOGANALYTICS_NAMESPACE must be letters, digits and _ only (at most 100), e.g. Auth0');
      cfg.azureLegacy = {
        workspaceId,
        workspaceKey,
        logType,
        apiVersion: raw.LOGANALYTICS_APIVERSION ?? '2016-04-01',
        endpoint: (raw.LOGANALYTICS_ENDPOINT ?? `https://${workspaceId}.ods.opinsights.azure.com`).replace(/\/+$/, ''),
      };
      break;
    }
    case 'azure':
      cfg.azure = {
        tenantId: need(raw, problems, 'AZURE_TENANT_ID', 'set it to the Entra tenant id of the app registration'),
        clientId: need(raw, problems, 'AZURE_CLIENT_ID', "set it to the app registration's client id"),
        clientSecret: need(raw, problems, 'AZURE_CLIENT_SECRET', "set it to the app registration's client secret"),
        authorityHost: raw.AZURE_AUTHORITY_HOST,
        endpoint: need(raw, problems, 'LOGS_INGESTION_ENDPOINT', "set it to the Data Collection Endpoint's logs ingestion URL"),
        ruleId: need(raw, problems, 'LOGS_INGESTION_RULE_ID', 'set it to the immutable id of the Data Collection Rule (dcr-...)'),
        streamName: need(
          raw,
          problems,
          'LOGS_INGESTION_STREAM_NAME',
          'set it to the stream declared in the rule, e.g. Custom-Auth0Logs_CL',
        ),
      };
      break;
    case 'splunk':
      cfg.splunk = splunkSettings(raw, problems);
      break;
    case 'datadog':
      cfg.datadog = datadogSettings(raw, problems, domain);
      break;
    default:
      break;
  }
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** SPLUNK_URL plus the old extension's port and path settings: the port applies when the URL names none. */
function splunkSettings(raw: Raw, problems: string[]): NonNullable<ExportConfig['splunk']> {
  const base = need(raw, problems, 'SPLUNK_URL', 'set it to the HTTP Event Collector URL, e.g. https://splunk.example.com:8088');
  const token = need(raw, problems, 'SPLUNK_TOKEN', 'set it to the HTTP Event Collector token');
  let full = '';
  if (base) {
    const u = new URL(base);
    if (!u.port) u.port = String(raw.SPLUNK_COLLECTOR_PORT ?? 8088);
    const collector = /\/services\/collector(\/event(\/1\.0)?)?\/?$/;
    const path = raw.SPLUNK_COLLECTOR_PATH ?? '/services/collector/event';
    if (!collector.test(path))
      problems.push(
        'SPLUNK_COLLECTOR_PATH must be /services/collector/event (or /services/collector/event/1.0, the old default): the export sends JSON events',
      );
    // A URL that already names the collector keeps it; otherwise the path goes after whatever prefix it has (a proxy, the emulator).
    if (!collector.test(u.pathname)) u.pathname = u.pathname.replace(/\/+$/, '') + path;
    full = u.toString();
  }
  return {
    url: full,
    token,
    index: raw.SPLUNK_INDEX,
    source: raw.SPLUNK_SOURCE,
    sourcetype: raw.SPLUNK_SOURCETYPE,
    ack: raw.SPLUNK_ACK ?? false,
    format: raw.SPLUNK_FORMAT ?? 'compatible',
  };
}

const DATADOG_SITES: Record<string, string> = { US: 'datadoghq.com', US1: 'datadoghq.com', EU: 'datadoghq.eu', EU1: 'datadoghq.eu' };

/** DATADOG_SERVER is the old extension's US/EU switch, or any Datadog site; DATADOG_URL overrides both (emulator). */
function datadogSettings(raw: Raw, problems: string[], domain: string): NonNullable<ExportConfig['datadog']> {
  const apiKey = need(raw, problems, 'DATADOG_API_KEY', 'set it to a Datadog API key');
  const server = (raw.DATADOG_SERVER ?? 'US').trim();
  const site = DATADOG_SITES[server.toUpperCase()] ?? server.toLowerCase();
  if (!raw.DATADOG_URL && !/^([a-z0-9-]+\.)*(datadoghq\.(com|eu)|ddog-gov\.com)$/.test(site))
    problems.push('DATADOG_SERVER must be US, EU or a Datadog site such as us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com');
  const tags = raw.DATADOG_CUSTOM_TAGS;
  if (tags && !tags.split(',').every((t) => /^[^:,\s]+:[^,\s]+$/.test(t.trim())))
    problems.push('DATADOG_CUSTOM_TAGS must be comma-separated key:value pairs, e.g. env:prod,team:iam');
  const url = (raw.DATADOG_URL ?? `https://http-intake.logs.${site}`).replace(/\/+$/, '');
  let hostname = '';
  try {
    hostname = domain ? new URL(auth0BaseUrl(domain)).hostname : '';
  } catch {
    hostname = '';
  }
  return {
    url: `${url}/api/v2/logs`,
    apiKey,
    tags,
    service: raw.DATADOG_SERVICE ?? 'auth0',
    hostname,
    format: raw.DATADOG_FORMAT ?? 'compatible',
  };
}

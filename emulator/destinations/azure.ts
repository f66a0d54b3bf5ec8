// Azure Monitor: the legacy HTTP Data Collector API (SharedKey over the body's BYTE length) and the
// Logs Ingestion API (Data Collection Endpoint + Rule) with bearer tokens from an emulated Entra
// token endpoint. The Azure SDK only speaks https, so its clients reach these paths through a
// loopback transport (see core/export/destinations/azure.ts); the URLs in discovery documents are
// therefore written as https.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readBody } from '../http';
import { DestError, header, jsonError, send, sendJson } from './common';

export class AzureLegacyState {
  /** workspaceId -> base64 key */
  readonly workspaces = new Map<string, { key: string; records: Map<string, unknown[]> }>();
  stats = { requests: 0, accepted: 0, authFailures: 0 };
  addWorkspace(id: string, key: string) {
    this.workspaces.set(id, { key, records: new Map() });
  }
  records(workspaceId: string, logType: string): unknown[] {
    return this.workspaces.get(workspaceId)?.records.get(logType) ?? [];
  }
  summary() {
    const ws: Record<string, Record<string, number>> = {};
    for (const [id, w] of this.workspaces) ws[id] = Object.fromEntries([...w.records].map(([t, r]) => [t, r.length]));
    return { ...this.stats, workspaces: ws };
  }
}

const azErr = (status: number, error: string, message: string) => jsonError(status, { Error: error, Message: message });

export async function handleAzureLegacy(
  state: AzureLegacyState,
  workspaceId: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  state.stats.requests++;
  const ws = state.workspaces.get(workspaceId);
  if (!ws) {
    req.resume();
    throw azErr(404, 'WorkspaceNotFound', `workspace ${workspaceId.slice(0, 64)} does not exist`);
  }
  if (req.method !== 'POST') throw azErr(405, 'MethodNotAllowed', 'POST only');
  if (url.searchParams.get('api-version') !== '2016-04-01') {
    req.resume();
    throw azErr(400, 'InvalidApiVersionString', 'api-version must be 2016-04-01');
  }
  const body = await readBody(req, 30 * 1024 * 1024);
  const logType = header(req, 'log-type') ?? '';
  if (!/^[A-Za-z0-9_]{1,100}$/.test(logType))
    throw azErr(400, 'InvalidLogType', 'Log-Type must be letters, digits and underscores, at most 100 characters');
  if (!/^application\/json/.test(header(req, 'content-type') ?? ''))
    throw azErr(400, 'InvalidContentType', 'Content-Type must be application/json');
  const date = header(req, 'x-ms-date') ?? '';
  const t = Date.parse(date);
  if (!date || !Number.isFinite(t)) throw azErr(403, 'InvalidAuthorization', 'x-ms-date is missing or not an RFC 1123 date');
  if (Math.abs(Date.now() - t) > 15 * 60_000)
    throw azErr(403, 'InvalidAuthorization', 'x-ms-date is more than 15 minutes from the server time');
  const auth = /^SharedKey ([^:]+):(.+)$/.exec(header(req, 'authorization') ?? '');
  if (!auth || auth[1] !== workspaceId) {
    state.stats.authFailures++;
    throw azErr(403, 'InvalidAuthorization', 'An invalid scheme was specified in the Authorization header');
  }
  // The signature covers the body's length in bytes: a client counting UTF-16 units fails here on non-ASCII text.
  const toSign = `POST\n${body.length}\napplication/json\nx-ms-date:${date}\n/api/logs`;
  const expected = createHmac('sha256', Buffer.from(ws.key, 'base64')).update(toSign, 'utf8').digest();
  const given = Buffer.from(auth[2]!, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    state.stats.authFailures++;
    throw azErr(403, 'InvalidAuthorization', 'Authorization failed: the SharedKey signature does not match');
  }
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw azErr(400, 'InvalidDataFormat', 'The body is not valid JSON');
  }
  const records = Array.isArray(data) ? data : [data];
  if (!records.every((r) => r && typeof r === 'object' && !Array.isArray(r)))
    throw azErr(400, 'InvalidDataFormat', 'Each record must be a JSON object');
  let list = ws.records.get(logType);
  if (!list) ws.records.set(logType, (list = []));
  for (const r of records) list.push(r);
  state.stats.accepted += records.length;
  send(res, 200);
}

export class AzureIngestionState {
  /** Entra app registrations: clientId -> { tenantId, secret } */
  readonly apps = new Map<string, { tenantId: string; secret: string }>();
  readonly tokens = new Map<string, { expiresAt: number; clientId: string }>();
  /** ruleId -> stream -> records */
  readonly rules = new Map<string, Map<string, unknown[]>>();
  tokenTtlSec = 3599;
  stats = { tokenRequests: 0, uploads: 0, accepted: 0, authFailures: 0 };
  addApp(tenantId: string, clientId: string, secret: string) {
    this.apps.set(clientId, { tenantId, secret });
  }
  addRule(ruleId: string, streams: string[]) {
    this.rules.set(ruleId, new Map(streams.map((s) => [s, []])));
  }
  records(ruleId: string, stream: string): unknown[] {
    return this.rules.get(ruleId)?.get(stream) ?? [];
  }
  summary() {
    const rules: Record<string, Record<string, number>> = {};
    for (const [id, r] of this.rules) rules[id] = Object.fromEntries([...r].map(([s, x]) => [s, x.length]));
    return { ...this.stats, rules };
  }
}

const aad = (status: number, error: string, code: number, description: string) =>
  jsonError(status, {
    error,
    error_description: `AADSTS${code}: ${description}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
  });

/** /dest/azure/entra/{tenant}/... : OpenID discovery and the v2.0 token endpoint (client credentials). */
export async function handleEntra(state: AzureIngestionState, rest: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(rest);
  if (!m) throw aad(404, 'invalid_request', 90002, 'unknown Entra endpoint');
  const tenant = m[1]!;
  const host = header(req, 'host') ?? '127.0.0.1';
  const base = `https://${host}/dest/azure/entra/${tenant}`;
  if (m[2]!.startsWith('v2.0')) {
    return sendJson(res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      issuer: `${base}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      tenant_region_scope: 'EU',
    });
  }
  if (req.method !== 'POST') throw aad(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
  state.stats.tokenRequests++;
  const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
  if (form.get('grant_type') !== 'client_credentials')
    throw aad(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  const clientId = form.get('client_id') ?? '';
  const app = state.apps.get(clientId);
  if (!app || app.tenantId !== tenant)
    throw aad(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId.slice(0, 64)}' was not found in the directory '${tenant}'.`,
    );
  if (form.get('client_secret') !== app.secret) {
    state.stats.authFailures++;
    throw aad(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    );
  }
  const scope = form.get('scope') ?? '';
  if (!/^https:\/\/monitor\.azure\.com\/\/?\.default/.test(scope))
    throw aad(400, 'invalid_scope', 1002012, `The provided value for scope ${scope.slice(0, 80)} is not valid.`);
  const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ aud: 'https://monitor.azure.com', tid: tenant, appid: clientId, exp: Math.floor(Date.now() / 1000) + state.tokenTtlSec })}.${randomBytes(16).toString('base64url')}`;
  state.tokens.set(token, { expiresAt: Date.now() + state.tokenTtlSec * 1000, clientId });
  sendJson(res, 200, { token_type: 'Bearer', expires_in: state.tokenTtlSec, ext_expires_in: state.tokenTtlSec, access_token: token });
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const ingestErr = (status: number, code: string, message: string) => jsonError(status, { error: { code, message } });

/** /dest/azure/dce/dataCollectionRules/{rule}/streams/{stream}?api-version=2023-01-01 */
export async function handleIngestion(
  state: AzureIngestionState,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(rest);
  if (!m) throw ingestErr(404, 'NotFound', 'unknown Logs Ingestion path');
  if (req.method !== 'POST') throw ingestErr(405, 'MethodNotAllowed', 'POST only');
  state.stats.uploads++;
  const bearer = /^Bearer\s+(\S+)$/.exec(header(req, 'authorization') ?? '')?.[1];
  const tok = bearer ? state.tokens.get(bearer) : undefined;
  if (!tok || tok.expiresAt < Date.now()) {
    state.stats.authFailures++;
    req.resume();
    throw new DestError(
      401,
      JSON.stringify({ error: { code: 'InvalidToken', message: tok ? 'The token has expired.' : 'The token is missing or invalid.' } }),
      {
        'content-type': 'application/json',
        'www-authenticate':
          'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", resource_id="https://monitor.azure.com"',
      },
    );
  }
  if (!url.searchParams.get('api-version'))
    throw ingestErr(400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');
  const rule = state.rules.get(decodeURIComponent(m[1]!));
  if (!rule) throw ingestErr(404, 'InvalidDataCollectionRule', 'Data collection rule not found, or the caller has no access to it.');
  const records = rule.get(decodeURIComponent(m[2]!));
  if (!records) throw ingestErr(400, 'InvalidStream', `Stream ${decodeURIComponent(m[2]!).slice(0, 80)} is not declared in the rule.`);
  let body = await readBody(req, 2 * 1024 * 1024);
  // The service caps a call at 1 MB (compressed, as sent).
  if (body.length > 1024 * 1024) throw ingestErr(413, 'ContentLengthLimitExceeded', 'Maximum allowed content length: 1048576 bytes.');
  if ((header(req, 'content-encoding') ?? '').toLowerCase() === 'gzip') {
    try {
      body = gunzipSync(body);
    } catch {
      throw ingestErr(400, 'InvalidContentEncoding', 'The body is not valid gzip.');
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw ingestErr(400, 'InvalidPayload', 'The body is not valid JSON.');
  }
  if (!Array.isArray(data)) throw ingestErr(400, 'InvalidPayload', 'The body must be a JSON array of records.');
  for (const r of data) records.push(r);
  state.stats.accepted += data.length;
  send(res, 204);
}

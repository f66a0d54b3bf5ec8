// Logstash, Elasticsearch, Azure (legacy and Logs Ingestion + Entra) and Slack emulations: what each
// real service refuses, it refuses; what it accepts, it records.
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportServer, TEST_AZURE, TEST_AZURE_LEGACY, TEST_LOGSTASH, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('Logstash http input', () => {
  const post = (path: string, body: string, auth = basic(TEST_LOGSTASH.user, TEST_LOGSTASH.password)) =>
    fetch(`${s.url}/dest/logstash/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body });

  it('needs basic auth and the token in the query', async () => {
    expect((await post(`main?token=${TEST_LOGSTASH.token}`, '[]', basic('ls-user', 'wrong'))).status).toBe(401);
    expect((await post('main?token=nope', '[]')).status).toBe(401);
    expect((await post('main', '[]')).status).toBe(401);
    expect(s.dest.logstash.get('main')!.events.length).toBe(0);
  });

  it('takes an array as one event per element, and a bad body as a _jsonparsefailure event', async () => {
    const r = await post(`main?token=${TEST_LOGSTASH.token}`, JSON.stringify([{ a: 1 }, { a: 2 }]));
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ok');
    await post(`main?token=${TEST_LOGSTASH.token}`, '{broken');
    const p = s.dest.logstash.get('main')!;
    expect(p.events.slice(0, 2)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(p.events[2]).toMatchObject({ tags: ['_jsonparsefailure'] });
  });

  it('answers 429 when its queue is full, and accepts again once it drained', async () => {
    s.dest.logstash.create('tiny', { queueCapacity: 10, drainPerSec: 20 });
    const batch = JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ i })));
    expect((await post('tiny', batch)).status).toBe(200);
    const full = await post('tiny', batch);
    expect(full.status).toBe(429);
    // Wait for the drain (20/s) to make room, asking again (bounded) rather than sleeping a fixed time.
    let again = await post('tiny', batch);
    for (let i = 0; i < 100 && again.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await post('tiny', batch);
    }
    expect(again.status).toBe(200);
    expect(s.dest.logstash.get('tiny')!.events.length).toBe(16);
  });
});

describe('Elasticsearch _bulk', () => {
  const bulk = (body: string, ct = 'application/x-ndjson') =>
    fetch(`${s.url}/dest/elasticsearch/_bulk`, { method: 'POST', headers: { 'content-type': ct }, body });

  it('indexes by _id: a re-sent document is a new version, not a copy', async () => {
    const body = `{"index":{"_index":"logs","_id":"a1"}}\n{"log_id":"a1","n":1}\n{"index":{"_index":"logs","_id":"a2"}}\n{"log_id":"a2"}\n`;
    const first = (await (await bulk(body)).json()) as { errors: boolean; items: Array<{ index: { status: number; result: string } }> };
    expect(first.errors).toBe(false);
    expect(first.items.map((i) => i.index.result)).toEqual(['created', 'created']);
    const again = (await (await bulk(body)).json()) as { items: Array<{ index: { status: number; result: string; _version: number } }> };
    expect(again.items.map((i) => [i.index.result, i.index._version])).toEqual([
      ['updated', 2],
      ['updated', 2],
    ]);
    expect(s.dest.elasticsearch.docs('logs').size).toBe(2);
  });

  it('refuses _id inside a document, a body without the final newline, and a wrong content type', async () => {
    const r = (await (await bulk(`{"index":{"_index":"logs","_id":"b1"}}\n{"_id":"b1","type":"s"}\n`)).json()) as {
      errors: boolean;
      items: Array<{ index: { status: number; error: { caused_by: { reason: string } } } }>;
    };
    expect(r.errors).toBe(true);
    expect(r.items[0]!.index.status).toBe(400);
    expect(r.items[0]!.index.error.caused_by.reason).toMatch(/Field \[_id\] is a metadata field/);
    expect((await bulk(`{"index":{"_index":"logs","_id":"b2"}}\n{"a":1}`)).status).toBe(400);
    expect((await bulk(`{"index":{"_index":"logs"}}\n{"a":1}\n`, 'text/plain')).status).toBe(406);
    expect(s.dest.elasticsearch.docs('logs').has('b1')).toBe(false);
  });
});

describe('Azure HTTP Data Collector API', () => {
  const sign = (len: number, date: string, key = TEST_AZURE_LEGACY.workspaceKey) =>
    `SharedKey ${TEST_AZURE_LEGACY.workspaceId}:${createHmac('sha256', Buffer.from(key, 'base64')).update(`POST\n${len}\napplication/json\nx-ms-date:${date}\n/api/logs`).digest('base64')}`;
  const post = (body: string, auth: string, date = new Date().toUTCString(), logType = 'Auth0') =>
    fetch(`${s.url}/dest/azure-legacy/${TEST_AZURE_LEGACY.workspaceId}/api/logs?api-version=2016-04-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'log-type': logType, 'x-ms-date': date, authorization: auth },
      body,
    });

  it('verifies SharedKey over the body length in bytes: a UTF-16 length fails on non-ASCII text', async () => {
    const body = JSON.stringify([{ user_name: 'Zoë 山田 🙂' }]);
    const date = new Date().toUTCString();
    const utf16 = await post(body, sign(body.length, date), date);
    expect(utf16.status).toBe(403);
    expect(await utf16.text()).toMatch(/InvalidAuthorization/);
    expect((await post(body, sign(Buffer.byteLength(body), date), date)).status).toBe(200);
    expect(s.dest.azureLegacy.records(TEST_AZURE_LEGACY.workspaceId, 'Auth0')).toEqual([{ user_name: 'Zoë 山田 🙂' }]);
  });

  it('refuses a wrong key, a stale date and a bad Log-Type', async () => {
    const body = '[{"a":1}]';
    const date = new Date().toUTCString();
    expect((await post(body, sign(body.length, date, Buffer.from('other').toString('base64')), date)).status).toBe(403);
    const stale = new Date(Date.now() - 20 * 60_000).toUTCString();
    expect((await post(body, sign(body.length, stale), stale)).status).toBe(403);
    expect((await post(body, sign(body.length, date), date, 'bad-type')).status).toBe(400);
  });
});

describe('Azure Logs Ingestion API and Entra token endpoint', () => {
  const token = async (secret = TEST_AZURE.clientSecret) =>
    fetch(`${s.url}/dest/azure/entra/${TEST_AZURE.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: TEST_AZURE.clientId,
        client_secret: secret,
        scope: 'https://monitor.azure.com//.default',
      }),
    });
  const upload = (auth: string, body: Buffer, stream = TEST_AZURE.streamName) =>
    fetch(`${s.url}/dest/azure/dce/dataCollectionRules/${TEST_AZURE.ruleId}/streams/${stream}?api-version=2023-01-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: auth },
      body,
    });

  it('issues a token for the right client secret only', async () => {
    const bad = await token('wrong');
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error_description: string }).error_description).toMatch(/^AADSTS7000215/);
    expect((await token()).status).toBe(200);
  });

  it('needs a bearer token from Entra, a declared stream, and a gzip JSON array', async () => {
    const body = gzipSync(JSON.stringify([{ TimeGenerated: new Date().toISOString(), msg: 'é' }]));
    expect((await upload('Bearer forged', body)).status).toBe(401);
    const { access_token } = (await (await token()).json()) as { access_token: string };
    expect((await upload(`Bearer ${access_token}`, body, 'Custom-Other_CL')).status).toBe(400);
    expect((await upload(`Bearer ${access_token}`, gzipSync('{"not":"an array"}'))).status).toBe(400);
    expect((await upload(`Bearer ${access_token}`, body)).status).toBe(204);
    expect(s.dest.azure.records(TEST_AZURE.ruleId, TEST_AZURE.streamName)).toEqual([expect.objectContaining({ msg: 'é' })]);
  });
});

describe('Slack incoming webhook and inspection', () => {
  it('accepts text or attachments, refuses an empty message, and shows what it received', async () => {
    const hook = (body: string) =>
      fetch(`${s.url}/dest/slack/T1/B2/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await hook('{"text":"hello"}')).status).toBe(200);
    const empty = await hook('{}');
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe('no_text');
    expect((await hook('nope')).status).toBe(400);
    expect(s.dest.slack.messages.map((m) => [m.hook, m.message.text])).toEqual([['T1/B2/x', 'hello']]);
    const summary = (await (await fetch(`${s.url}/dest/_received`)).json()) as { slack: { messages: number } };
    expect(summary.slack.messages).toBe(1);
  });
});

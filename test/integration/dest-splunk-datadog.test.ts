// The emulated Splunk HEC and Datadog intake answer as their docs say: authentication headers,
// error bodies and limits (docs/log-export.md, "Destinations").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportServer, TEST_DATADOG, TEST_SPLUNK, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

async function hec(path: string, body: string, headers: Record<string, string> = { authorization: `Splunk ${TEST_SPLUNK.token}` }) {
  const res = await fetch(`${s.url}/dest/splunk${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function dd(body: string, headers: Record<string, string> = { 'dd-api-key': TEST_DATADOG.apiKey }) {
  const res = await fetch(`${s.url}/dest/datadog/api/v2/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('emulated Splunk HTTP Event Collector', () => {
  const ev = (o: Record<string, unknown>) => JSON.stringify({ time: 1, event: { a: 1 }, ...o });

  it('accepts concatenated events on every documented path', async () => {
    for (const p of ['/services/collector', '/services/collector/event', '/services/collector/event/1.0']) {
      expect(await hec(p, ev({}) + ev({ index: 'auth0' }) + '\n' + ev({}))).toEqual({ status: 200, body: { text: 'Success', code: 0 } });
    }
  });

  it.each([
    [{}, 401, { text: 'Token is required', code: 2 }],
    [{ authorization: `Bearer ${TEST_SPLUNK.token}` }, 401, { text: 'Invalid authorization', code: 3 }],
    [{ authorization: 'Splunk not-a-token' }, 403, { text: 'Invalid token', code: 4 }],
  ])("refuses authentication %j with HEC's body", async (headers, status, body) => {
    expect(await hec('/services/collector/event', ev({}), headers)).toEqual({ status, body });
  });

  it('refuses bad events with the number of the first bad one', async () => {
    expect(await hec('/services/collector/event', '')).toEqual({ status: 400, body: { text: 'No data', code: 5 } });
    expect(await hec('/services/collector/event', ev({}) + '{"time":1,')).toEqual({
      status: 400,
      body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 },
    });
    expect(await hec('/services/collector/event', ev({}) + JSON.stringify({ time: 1 }))).toEqual({
      status: 400,
      body: { text: 'Event field is required', code: 12, 'invalid-event-number': 1 },
    });
    expect(await hec('/services/collector/event', JSON.stringify({ event: '' }))).toEqual({
      status: 400,
      body: { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': 0 },
    });
    expect(await hec('/services/collector/event', ev({}) + ev({ index: 'secret' }))).toEqual({
      status: 400,
      body: { text: 'Incorrect index', code: 7, 'invalid-event-number': 1 },
    });
  });

  it('refuses a request over 1,000,000 bytes with 413', async () => {
    const big = ev({ event: { pad: 'x'.repeat(1_000_001) } });
    expect((await hec('/services/collector/event', big)).status).toBe(413);
  });

  it('acknowledgement: a channel is required, the answer carries an ackId, /ack says when it is indexed', async () => {
    const auth = { authorization: `Splunk ${TEST_SPLUNK.ackToken}` };
    expect(await hec('/services/collector/event', ev({}), auth)).toEqual({
      status: 400,
      body: { text: 'Data channel is missing', code: 10 },
    });
    const ch = { ...auth, 'x-splunk-request-channel': '11111111-2222-4333-8444-555555555555' };
    const r = await hec('/services/collector/event', ev({}), ch);
    expect(r).toMatchObject({ status: 200, body: { text: 'Success', code: 0, ackId: expect.any(Number) as unknown } });
    const id = r.body.ackId as number;
    // Indexing takes 30 ms in this emulator: poll (bounded) until it says so.
    let acked = false;
    for (let i = 0; i < 50 && !acked; i++) {
      const a = await hec('/services/collector/ack', JSON.stringify({ acks: [id] }), ch);
      acked = (a.body.acks as Record<string, boolean>)[String(id)] === true;
      if (!acked) await new Promise((res) => setTimeout(res, 20));
    }
    expect(acked).toBe(true);
    expect(await hec('/services/collector/ack', JSON.stringify({ acks: [0] }))).toEqual({
      status: 400,
      body: { text: 'ACK is disabled', code: 14 },
    });
  });
});

describe('emulated Datadog Logs intake (v2)', () => {
  it('accepts a log or an array with 202 {}', async () => {
    expect(await dd(JSON.stringify({ message: 'one' }))).toEqual({ status: 202, body: {} });
    expect(await dd(JSON.stringify([{ message: 'a' }, { message: 'b' }]))).toEqual({ status: 202, body: {} });
  });

  it("401 without DD-API-KEY, 403 with an unknown one, in Datadog's error body", async () => {
    expect(await dd('[]', {})).toEqual({
      status: 401,
      body: { errors: [{ status: '401', title: 'Unauthorized', detail: 'API key is missing' }] },
    });
    expect(await dd('[]', { 'dd-api-key': 'nope' })).toEqual({
      status: 403,
      body: { errors: [{ status: '403', title: 'Forbidden', detail: 'API key is invalid' }] },
    });
  });

  it('400 for a body that is not JSON logs, 413 past 1,000 entries or 5 MB', async () => {
    expect((await dd('{oops')).status).toBe(400);
    expect((await dd('[1,2]')).status).toBe(400);
    expect((await dd(JSON.stringify(Array.from({ length: 1001 }, () => ({ m: 1 }))))).status).toBe(413);
    expect((await dd(JSON.stringify([{ message: 'x'.repeat(5_000_001) }]))).status).toBe(413);
  });

  it('answers 429 with Retry-After when throttled', async () => {
    s.dest.datadog.throttled = 1;
    const res = await fetch(`${s.url}/dest/datadog/api/v2/logs`, {
      method: 'POST',
      headers: { 'dd-api-key': TEST_DATADOG.apiKey },
      body: '[]',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      errors: [{ status: '429', title: 'Too Many Requests', detail: 'rate limit exceeded, retry later' }],
    });
  });
});

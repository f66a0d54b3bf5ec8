// CloudWatch Logs, AWS JSON 1.1 protocol as the real SDK speaks it: X-Amz-Target dispatch, SigV4
// verified by re-signing with @smithy/signature-v4, and PutLogEvents' real limits.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { readBody } from '../http';
import { DestError, header, jsonError, sendJson } from './common';

const DAY = 86_400_000;
const MAX_BATCH_BYTES = 1_048_576;
const MAX_EVENTS = 10_000;
const MAX_EVENT_BYTES = 1_048_550;

export interface CwEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

interface Stream {
  createdAt: number;
  events: CwEvent[];
  sorted: boolean;
  storedBytes: number;
}

export class CloudWatchState {
  /** accessKeyId -> secret */
  readonly credentials = new Map<string, string>();
  readonly groups = new Map<string, { createdAt: number; streams: Map<string, Stream> }>();
  stats = { requests: 0, putCalls: 0, accepted: 0, rejected: 0, signatureFailures: 0 };

  addCredentials(accessKeyId: string, secret: string): void {
    this.credentials.set(accessKeyId, secret);
  }

  /** Events of a stream in timestamp order (as GetLogEvents returns them). */
  events(group: string, stream: string): CwEvent[] {
    const s = this.groups.get(group)?.streams.get(stream);
    if (!s) return [];
    if (!s.sorted) {
      // Stable: events with equal timestamps keep their arrival order.
      s.events.sort((a, b) => a.timestamp - b.timestamp);
      s.sorted = true;
    }
    return s.events;
  }

  summary() {
    const groups: Record<string, Record<string, number>> = {};
    for (const [g, v] of this.groups) groups[g] = Object.fromEntries([...v.streams].map(([n, s]) => [n, s.events.length]));
    return { ...this.stats, groups };
  }
}

const awsError = (status: number, type: string, message: string) =>
  jsonError(status, { __type: type, message }, { 'x-amzn-errortype': `${type}:`, 'content-type': 'application/x-amz-json-1.1' });

const invalidParam = (message: string) => awsError(400, 'InvalidParameterException', message);

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

async function verifySigV4(state: CloudWatchState, req: IncomingMessage, url: URL, body: string): Promise<void> {
  const m = AUTH.exec(header(req, 'authorization') ?? '');
  if (!m) throw awsError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, accessKeyId, day, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = state.credentials.get(accessKeyId!);
  if (secret === undefined) throw awsError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (service !== 'logs') throw awsError(400, 'InvalidSignatureException', `Credential should be scoped to correct service: 'logs'.`);
  const amzDate = header(req, 'x-amz-date') ?? '';
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dm || amzDate.slice(0, 8) !== day)
    throw awsError(
      400,
      'IncompleteSignatureException',
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP',
    );
  const signingDate = new Date(Date.UTC(+dm[1]!, +dm[2]! - 1, +dm[3]!, +dm[4]!, +dm[5]!, +dm[6]!));
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) {
    throw awsError(400, 'InvalidSignatureException', 'Signature expired: the request time is more than 15 minutes from the server time.');
  }
  const names = signedHeaders!.split(';');
  const headers: Record<string, string> = {};
  for (const n of names) {
    const v = req.headers[n];
    if (v === undefined) throw awsError(400, 'InvalidSignatureException', `Signed header ${n} is missing from the request.`);
    headers[n] = Array.isArray(v) ? v.join(',') : v;
  }
  const [hostname, port] = (header(req, 'host') ?? '').split(':');
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signer = new SignatureV4({
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: secret },
    region: region!,
    service: service!,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: names.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: hostname ?? '',
      port: port ? Number(port) : undefined,
      path: url.pathname,
      query,
      headers,
      body,
    }),
    { signingDate, signingRegion: region, signingService: service },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1];
  if (expected !== signature) {
    state.stats.signatureFailures++;
    throw awsError(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

function str(v: unknown, field: string, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > 512)
    throw invalidParam(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between 1 and 512`,
    );
  if (pattern && !pattern.test(v))
    throw invalidParam(
      `1 validation error detected: Value '${v}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  return v;
}

const GROUP_RX = /^[.\-_/#A-Za-z0-9]+$/;
const STREAM_RX = /^[^:*]*$/;

export async function handleCloudWatch(state: CloudWatchState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  state.stats.requests++;
  if (req.method !== 'POST') throw awsError(404, 'UnknownOperationException', 'Only POST is supported');
  const raw = (await readBody(req, 6 * 1024 * 1024)).toString('utf8');
  const target = header(req, 'x-amz-target') ?? '';
  if (!/^application\/x-amz-json-1\.1/.test(header(req, 'content-type') ?? ''))
    throw awsError(400, 'SerializationException', 'Content-Type must be application/x-amz-json-1.1');
  await verifySigV4(state, req, url, raw);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw || '{}') as Record<string, unknown>;
  } catch {
    throw awsError(400, 'SerializationException', 'Start of structure or map found where not expected.');
  }
  const op = target.startsWith('Logs_20140328.') ? target.slice('Logs_20140328.'.length) : '';
  const reply = (b: unknown) =>
    sendJson(res, 200, b, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': crypto.randomUUID() });
  const group = () => {
    const name = str(body.logGroupName, 'logGroupName', GROUP_RX);
    const g = state.groups.get(name);
    if (!g) throw awsError(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  };
  const stream = () => {
    const g = group();
    const s = g.streams.get(str(body.logStreamName, 'logStreamName', STREAM_RX));
    if (!s) throw awsError(400, 'ResourceNotFoundException', 'The specified log stream does not exist.');
    return s;
  };
  switch (op) {
    case 'CreateLogGroup': {
      const name = str(body.logGroupName, 'logGroupName', GROUP_RX);
      if (state.groups.has(name)) throw awsError(400, 'ResourceAlreadyExistsException', 'The specified log group already exists');
      state.groups.set(name, { createdAt: Date.now(), streams: new Map() });
      return reply({});
    }
    case 'CreateLogStream': {
      const g = group();
      const name = str(body.logStreamName, 'logStreamName', STREAM_RX);
      if (g.streams.has(name)) throw awsError(400, 'ResourceAlreadyExistsException', 'The specified log stream already exists');
      g.streams.set(name, { createdAt: Date.now(), events: [], sorted: true, storedBytes: 0 });
      return reply({});
    }
    case 'DescribeLogStreams': {
      const gname = str(body.logGroupName, 'logGroupName', GROUP_RX);
      const g = group();
      const prefix = typeof body.logStreamNamePrefix === 'string' ? body.logStreamNamePrefix : '';
      const limit = typeof body.limit === 'number' ? Math.min(50, Math.max(1, body.limit)) : 50;
      const logStreams = [...g.streams]
        .filter(([n]) => n.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .slice(0, limit)
        .map(([n, s]) => {
          const ev = state.events(gname, n);
          return {
            logStreamName: n,
            creationTime: s.createdAt,
            arn: `arn:aws:logs:us-east-1:000000000000:log-group:${gname}:log-stream:${n}`,
            storedBytes: 0,
            ...(ev.length ? { firstEventTimestamp: ev[0]!.timestamp, lastEventTimestamp: ev[ev.length - 1]!.timestamp } : {}),
          };
        });
      return reply({ logStreams });
    }
    case 'PutLogEvents': {
      const s = stream();
      const events = body.logEvents;
      if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS)
        throw invalidParam(
          `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and ${MAX_EVENTS}`,
        );
      let bytes = 0;
      let prev = -Infinity;
      for (const [i, e] of events.entries()) {
        const ev = e as { timestamp?: unknown; message?: unknown };
        if (
          typeof ev.timestamp !== 'number' ||
          !Number.isInteger(ev.timestamp) ||
          typeof ev.message !== 'string' ||
          ev.message.length === 0
        )
          throw invalidParam(
            `1 validation error detected: Value at 'logEvents.${i + 1}' failed to satisfy constraint: timestamp and a non-empty message are required`,
          );
        const b = Buffer.byteLength(ev.message, 'utf8');
        if (b > MAX_EVENT_BYTES) throw invalidParam(`Log event too large: ${b} bytes exceeds limit of ${MAX_EVENT_BYTES}`);
        bytes += b + 26;
        if (ev.timestamp < prev) throw invalidParam('Log events in a single PutLogEvents request must be in chronological order.');
        prev = ev.timestamp;
      }
      if (bytes > MAX_BATCH_BYTES) throw invalidParam(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
      const list = events as Array<{ timestamp: number; message: string }>;
      if (list[list.length - 1]!.timestamp - list[0]!.timestamp > DAY)
        throw invalidParam('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
      const now = Date.now();
      let tooOldEnd = 0;
      let tooNewStart = list.length;
      for (let i = 0; i < list.length; i++) if (list[i]!.timestamp < now - 14 * DAY) tooOldEnd = i + 1;
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.timestamp > now + 2 * 3600_000) tooNewStart = i;
      const lastT = s.events.length ? s.events[s.events.length - 1]!.timestamp : -Infinity;
      for (let i = tooOldEnd; i < tooNewStart; i++) {
        const e = list[i]!;
        s.events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: now });
        if (e.timestamp < lastT) s.sorted = false;
      }
      const accepted = Math.max(0, tooNewStart - tooOldEnd);
      state.stats.putCalls++;
      state.stats.accepted += accepted;
      state.stats.rejected += list.length - accepted;
      const info: Record<string, number> = {};
      if (tooOldEnd > 0) info.tooOldLogEventEndIndex = tooOldEnd;
      if (tooNewStart < list.length) info.tooNewLogEventStartIndex = tooNewStart;
      return reply({
        nextSequenceToken: String(s.events.length).padStart(56, '4'),
        ...(Object.keys(info).length ? { rejectedLogEventsInfo: info } : {}),
      });
    }
    case 'GetLogEvents': {
      stream();
      const all = state.events(body.logGroupName as string, body.logStreamName as string);
      const limit = typeof body.limit === 'number' ? Math.min(10_000, Math.max(1, body.limit)) : 10_000;
      const token = typeof body.nextToken === 'string' ? body.nextToken : null;
      const fromHead = body.startFromHead === true;
      let start: number;
      if (token) {
        const tm = /^([fb])\/(\d+)$/.exec(token);
        if (!tm) throw invalidParam('The specified nextToken is invalid.');
        start = Number(tm[2]);
      } else start = fromHead ? 0 : Math.max(0, all.length - limit);
      // Responses are capped at 1 MB, as the real API caps them.
      const events: CwEvent[] = [];
      let size = 0;
      for (let i = start; i < all.length && events.length < limit; i++) {
        size += Buffer.byteLength(all[i]!.message) + 26;
        if (size > MAX_BATCH_BYTES && events.length) break;
        events.push(all[i]!);
      }
      const end = start + events.length;
      return reply({ events, nextForwardToken: `f/${end}`, nextBackwardToken: `b/${start}` });
    }
    default:
      throw awsError(400, 'UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
  }
}

export { DestError };

// The SSE client against tiny loopback servers that misbehave on purpose: wt 11's framing quirks,
// chunk edges inside multi-byte characters, invalid UTF-8, silence, huge lines, a flood the consumer
// does not read, and errors that must never quote the URL (it carries the token).
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogStatus } from '../../common/contract';
import { LogStream, Pump, plain, type LogStreamOptions, type QueuedLine } from '../../core/logs';
import { Redactor } from '../../core/util/redact';
import { WebtaskClient } from '../../core/webtask/client';
import { loopbackServers } from '../helpers/logs';

const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.c2VjcmV0LXRva2Vu.sig-value';

const loopback = loopbackServers();
const sse = loopback.serve;
let streams: LogStream[] = [];
afterEach(async () => {
  await Promise.all(streams.map((s) => s.close()));
  streams = [];
  loopback.close();
});

const head = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

function tail(url: string, extra: Partial<LogStreamOptions> = {}) {
  const statuses: LogStatus[] = [];
  // As the host wires it: the client makes each request (the token stays there), the redactor knows the token.
  const client = new WebtaskClient({ url, token: TOKEN, timeoutMs: 5_000 });
  const redactor = new Redactor();
  redactor.add(TOKEN);
  const s = new LogStream({
    streamId: 'ls-test',
    container: 'acme',
    connect: ({ lastEventId, signal }) => client.openLogStream('acme', { lastEventId, signal }),
    redactor,
    backoff: { initialMs: 50, maxMs: 400 },
    statusIntervalMs: 50,
    onStatus: (st) => statuses.push(st),
    ...extra,
  });
  streams.push(s);
  s.start();
  const got: QueuedLine[] = [];
  const drain = () => {
    for (;;) {
      const t = s.take(1 << 20);
      if (!t.length) break;
      got.push(...t);
    }
    return got;
  };
  return { s, statuses, drain, got };
}

async function until(fn: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SSE parsing', () => {
  it("reads wt 11's framings (event: data, event:data, bare data:), ignores pings and comments, across chunk edges", async () => {
    const { url, requests } = await sse((_req, res) => {
      head(res);
      const frames = [
        ': hello\n\n',
        'event: ping\ndata: {}\n\n',
        'event: data\ndata: {"msg":"one","level":30}\n\n',
        'event:data\ndata:{"msg":"two","level":40}\n\n',
        'data: {"msg":"thr€e ü","level":50}\r\n\r\n',
      ];
      // Byte by byte: chunk edges fall inside the multi-byte characters.
      const bytes = Buffer.from(frames.join(''));
      let i = 0;
      const t = setInterval(() => {
        if (i >= bytes.length) return clearInterval(t);
        res.write(bytes.subarray(i, i + 3));
        i += 3;
      }, 1);
    });
    const t = tail(url);
    await until(() => t.drain().length >= 3, 5_000, '3 lines');
    expect(t.got.map((q) => q.line.msg)).toEqual(['one', 'two', 'thr€e ü']);
    expect(t.got.map((q) => q.line.level)).toEqual([30, 40, 50]);
    // The token rides in ?key= (the protocol) and in no header.
    expect(requests[0]!.url).toBe(`/api/logs/tenant/acme?key=${encodeURIComponent(TOKEN)}`);
    expect(requests[0]!.headers.authorization).toBeUndefined();
    expect(requests[0]!.headers.accept).toBe('text/event-stream');
  });

  it('shows non-JSON data lines raw and counts them; invalid UTF-8 becomes U+FFFD', async () => {
    const { url } = await sse((_req, res) => {
      head(res);
      res.write(Buffer.concat([Buffer.from('data: not json \xff\xfe at all\n\n', 'latin1'), Buffer.from('data: {"msg":"ok"}\n\n')]));
      res.write(Buffer.concat([Buffer.from('data: '), Buffer.from([0xc3, 0x28, 0xe2, 0x82]), Buffer.from(' broken\n\n')]));
    });
    const t = tail(url);
    await until(() => t.drain().length >= 3, 5_000, '3 lines');
    expect(t.got[0]!.line.kind).toBe('raw');
    expect(t.got[0]!.line.msg).toContain('\uFFFD');
    expect(t.got[1]!.line.kind).toBe('rec');
    expect(t.got[2]!.line.msg).toMatch(/^\uFFFD\(\uFFFD broken$/);
    await until(() => t.s.status().raw === 2, 1_000, 'raw count');
  });

  it('a 1 MB line is cut for display with its size; the kept buffer has it whole', async () => {
    const big = 'Z'.repeat(1024 * 1024);
    const { url } = await sse((_req, res) => {
      head(res);
      res.write(`id: 1\ndata: ${JSON.stringify({ msg: big, level: 30 })}\n\n`);
    });
    const t = tail(url);
    await until(() => t.drain().length >= 1, 5_000, 'the line');
    expect(t.got[0]!.line.size).toBe(big.length);
    expect(plain(t.got[0]!.line.msg)).toContain('line cut for display: 1.0 MB');
    const kept = t.s.keptText();
    expect(JSON.parse(kept.text.trim()).msg).toBe(big);
  });

  it('attack: an event larger than the cap is skipped on the wire with a marker saying its size, and the tail goes on', async () => {
    // Before: the parser gave up, the client reconnected with the same Last-Event-ID, the server sent the
    // same event again: no later line ever arrived.
    const { url, requests } = await sse((_req, res) => {
      head(res);
      res.write('id: 1\ndata: {"msg":"before"}\n\n');
      // 3 MB in 64 KB pieces, one event, then a normal one on the same connection.
      res.write('id: 2\ndata: {"msg":"');
      const piece = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 48; i++) res.write(piece);
      res.write('"}\n\nid: 3\ndata: {"msg":"after"}\n\n');
    });
    const t = tail(url, { maxEventBytes: 100_000 });
    await until(() => t.drain().some((q) => q.line.msg === 'after'), 5_000, 'the event after the big one');
    expect(t.got.map((q) => q.line.kind)).toEqual(['rec', 'info', 'rec']);
    expect(plain(t.got[1]!.line.msg)).toMatch(/^An event of 3\.0 MB \(id 2\) was larger than the 97\.7 KB limit and was skipped/);
    expect(requests.length).toBe(1);
    expect(t.s.status().skipped).toBe(1);
    expect(t.s.status().gaps).toBe(0);
  });
});

describe('keep-alive and reconnection', () => {
  it('reconnects after the silence timeout; pings keep a quiet stream alive', async () => {
    const silent = await sse((_req, res) => {
      head(res);
      res.flushHeaders();
    });
    const t1 = tail(silent.url, { silenceTimeoutMs: 300 });
    await until(() => silent.requests.length >= 2, 3_000, 'a reconnect after silence');
    expect(t1.statuses.some((s) => s.state === 'reconnecting' && /No data or keep-alive for/.test(s.reason ?? ''))).toBe(true);

    const pinging = await sse((_req, res) => {
      head(res);
      const t = setInterval(() => res.write('event: ping\ndata: {}\n\n'), 80);
      res.on('close', () => clearInterval(t));
    });
    const t2 = tail(pinging.url, { silenceTimeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(pinging.requests.length).toBe(1);
    expect(t2.s.status().state).toBe('connected');
  });

  it('sends Last-Event-ID on reconnect and drops replayed duplicates', async () => {
    const { url, requests } = await sse((req, res, n) => {
      head(res);
      if (n === 1) {
        res.write(
          'retry: 50\nid: 1\ndata: {"msg":"a","time":"2026-01-01T00:00:01Z"}\n\nid: 2\ndata: {"msg":"b","time":"2026-01-01T00:00:02Z"}\n\n',
        );
        setTimeout(() => res.destroy(), 50);
      } else {
        // A server that replays one too many.
        res.write('id: 2\ndata: {"msg":"b","time":"2026-01-01T00:00:02Z"}\n\nid: 3\ndata: {"msg":"c","time":"2026-01-01T00:00:03Z"}\n\n');
      }
    });
    const t = tail(url);
    await until(() => t.drain().some((q) => q.line.msg === 'c'), 5_000, 'c');
    expect(t.got.map((q) => q.line.msg)).toEqual(['a', 'b', 'c']);
    expect(requests[1]!.headers['last-event-id']).toBe('2');
  });

  it('never quotes the URL or the token in a reason, even when the server echoes them', async () => {
    const echo = await sse((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `failed for ${req.url} token ${TOKEN}` }));
    });
    const t = tail(echo.url);
    await until(() => t.statuses.some((s) => /HTTP 500/.test(s.reason ?? '')), 3_000, '500 reason');
    // A port nobody listens on.
    const closed = await sse(() => undefined);
    const port = new URL(closed.url).port;
    loopback.last()!.close();
    const t2 = tail(`http://127.0.0.1:${port}`);
    await until(() => t2.statuses.some((s) => /Cannot reach/.test(s.reason ?? '')), 3_000, 'refused reason');
    const all = JSON.stringify([t.statuses, t2.statuses]);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(encodeURIComponent(TOKEN));
    expect(all).not.toMatch(/key=(?!\[redacted\])/);
    expect(all).toContain('[redacted]');
    expect(t2.statuses.at(-1)!.reason).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/);
  });

  it('honours Retry-After on 429', async () => {
    const { url, requests } = await sse((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{"message":"slow down"}');
    });
    const t = tail(url);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(requests.length).toBe(2);
    expect(t.statuses.at(-1)!.reason).toMatch(/HTTP 429: "slow down"/);
  });
});

describe('bounded queue and back-pressure', () => {
  it('pauses the socket at the high mark instead of growing, resumes when drained, loses nothing', async () => {
    // ~20 MB in all (more than loopback socket buffers hold by default), in few lines: per-line work is
    // not what this measures, and a busy machine must not turn it into a race against the clock.
    const TOTAL = 8_000;
    let written = 0;
    const pad = 'p'.repeat(2500);
    const { url } = await sse((_req, res) => {
      head(res);
      const pump = () => {
        while (written < TOTAL) {
          written++;
          if (!res.write(`id: ${written}\ndata: {"msg":"n ${written}","level":30,"pad":"${pad}"}\n\n`)) return res.once('drain', pump);
        }
      };
      pump();
    });
    let wake: (() => void) | undefined;
    const t = tail(url, { queue: { highLines: 1_000, lowLines: 250, maxLines: 100_000 }, onReadable: () => wake?.() });
    await until(() => t.s.status().backpressure, 5_000, 'back-pressure');
    await new Promise((r) => setTimeout(r, 200));
    // Paused: the queue stopped near the high mark (one socket chunk of slack), the server is blocked.
    expect(t.s.queued).toBeLessThan(1_000 + 1_000);
    expect(written).toBeLessThan(TOTAL);
    // Drained as the pump does, when lines are readable (not on a timer: a busy machine must not make it slow).
    const msgs: string[] = [];
    const end = Date.now() + 8_000;
    while (msgs.length < TOTAL && Date.now() < end) {
      const got = t.s.take(1 << 22);
      for (const q of got) msgs.push(q.line.msg);
      if (!got.length) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
    }
    expect(msgs[0]).toBe('n 1');
    expect(msgs[TOTAL - 1]).toBe(`n ${TOTAL}`);
    expect(new Set(msgs).size).toBe(TOTAL);
    expect(t.s.status().dropped).toBe(0);
  });

  it('drops the oldest past the hard limit and counts it', async () => {
    const { url } = await sse((_req, res) => {
      head(res);
      let s = '';
      for (let i = 1; i <= 500; i++) s += `data: {"msg":"${i}"}\n\n`;
      res.write(s);
    });
    const t = tail(url, { queue: { highLines: 100, lowLines: 10, maxLines: 100 } });
    await until(() => t.s.status().lines === 500, 5_000, '500 parsed');
    expect(t.s.status().dropped).toBe(400);
    const got = t.drain();
    expect(got.length).toBe(100);
    expect(got[0]!.line.msg).toBe('401');
  });
});

describe('pump: batches and acks', () => {
  it('sends at most ~200 KB per batch, stops at the high watermark, resumes on ack', async () => {
    const queue: QueuedLine[] = [];
    for (let i = 0; i < 5_000; i++) queue.push({ line: { n: i + 1, kind: 'rec', msg: 'x'.repeat(900) }, full: '', bytes: 1000 });
    const source = {
      take(max: number) {
        const out: QueuedLine[] = [];
        let b = 0;
        while (queue.length && (out.length === 0 || b + queue[0]!.bytes <= max)) {
          b += queue[0]!.bytes;
          out.push(queue.shift()!);
        }
        return out;
      },
      get queued() {
        return queue.length;
      },
      get queuedBytes() {
        return queue.length * 1000;
      },
    };
    const sent: Array<{ seq: number; n: number }> = [];
    const pump = new Pump(source, (seq, lines) => sent.push({ seq, n: lines.length }), {
      highWaterBytes: 1_000_000,
      lowWaterBytes: 300_000,
    });
    pump.notify();
    // Bounded by the work, not by a fixed sleep: a busy machine may need more than 100 ms to send 1 MB.
    await until(() => pump.isBlocked, 5_000, 'the pump stops at the high watermark');
    expect(sent.every((b) => b.n * 1000 <= 200 * 1024)).toBe(true);
    const before = sent.length;
    expect(pump.isBlocked).toBe(true);
    expect(pump.unackedBytes).toBeGreaterThanOrEqual(1_000_000);
    expect(pump.unackedBytes).toBeLessThan(1_000_000 + 205 * 1024);
    await new Promise((r) => setTimeout(r, 100));
    expect(sent.length).toBe(before); // nothing more without acks
    pump.ack(sent.at(-1)!.seq);
    await until(() => sent.length > before, 1_000, 'resume after ack');
    let guard = 0;
    while (queue.length && guard++ < 200) {
      pump.ack(sent.at(-1)!.seq);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(sent.reduce((a, b) => a + b.n, 0)).toBe(5_000);
    pump.close();
  });
});

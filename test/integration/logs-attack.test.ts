// The log tail attacked through the host, against real loopback servers (issue 11): answers that are
// not an event stream, an event larger than the cap, a token that straddles the display cut, a lock
// while tails run. Each must end in words in the pane, a live host, and no token anywhere.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plain } from '../../core/logs';
import { logsTuning, openTailCount } from '../../core/host/features/logs';
import { hostOnEmulator, loopbackServers, sleep, until } from '../helpers/logs';

const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bWFzdGVyLXRva2VuLWZvci1hdHRhY2tz.c2lnbmF0dXJlLXZhbHVl';

const loopback = loopbackServers();
const serve = loopback.serve;
afterEach(() => loopback.close());
beforeAll(() => {
  logsTuning.stream = { backoff: { initialMs: 50, maxMs: 200 }, statusIntervalMs: 100 };
});
afterAll(() => {
  logsTuning.stream = {};
});

async function tailOf(url: string, container = 'acme') {
  const t = await hostOnEmulator({ url, masterToken: TOKEN });
  const streamId = await t.open(container);
  return { ...t, streamId };
}

const infoLines = (t: { rec: { lines: Array<{ kind: string; msg: string }> } }) =>
  t.rec.lines.filter((l) => l.kind === 'info').map((l) => plain(l.msg));

describe('a log endpoint that does not answer with an event stream', () => {
  it('200 text/html (a proxy page, a wrong URL): stops once, names status, type and an excerpt, host alive', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      // The page quotes the request (with ?key=) as some proxies do, and is cut off mid-way.
      res.write(`<!doctype html><html><title>Sign in to the corporate proxy</title><body>You asked for ${_req.url}`);
      res.write('x'.repeat(256 * 1024));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const t = await tailOf(srv.url);
    try {
      await until(() => t.lastStatus()?.state === 'stopped', 5_000, 'stopped');
      const reason = t.lastStatus()!.reason!;
      expect(reason).toMatch(
        /^The server answered HTTP 200 with text\/html instead of an event stream \("<!doctype html><html><title>Sign in to the corporate proxy/,
      );
      expect(reason).toMatch(/Check the profile's URL\.$/);
      await until(() => infoLines(t).length > 0, 2_000, 'the stop line in the pane');
      expect(infoLines(t)).toEqual([`Stopped: ${reason}`]);
      // No hammering: one request, and none in the next second.
      await sleep(1_000);
      expect(srv.requests.length).toBe(1);
      expect(t.lastStatus()!.state).toBe('stopped');
      // Nothing that left the core holds the token.
      const wire = t.rec.wire.join('\n');
      expect(wire).not.toContain(TOKEN);
      expect(wire).not.toContain(TOKEN.slice(0, 16));
      // The host still answers.
      expect((await t.host.call('logs.retry', { streamId: t.streamId }, t.session)).ok).toBe(true);
      await until(() => srv.requests.length === 2, 3_000, 'the retry the user asked for');
    } finally {
      t.close();
    }
  });

  it('a redirect, a 400 and JSON where events belong stop too; a 503 is retried with backoff', async () => {
    const answers: Array<[number, Record<string, string>, string]> = [
      [302, { location: 'http://127.0.0.1:1/elsewhere', 'content-type': 'text/html' }, 'moved'],
      [400, { 'content-type': 'application/json' }, '{"message":"bad container"}'],
      [200, { 'content-type': 'application/json' }, '{"logs":[]}'],
    ];
    for (const [status, headers, body] of answers) {
      const srv = await serve((_req, res) => {
        res.writeHead(status, headers);
        res.end(body);
      });
      const t = await tailOf(srv.url);
      try {
        await until(() => t.lastStatus()?.state === 'stopped', 5_000, `stopped on ${status}`);
        expect(t.lastStatus()!.reason).toContain(`HTTP ${status} with ${headers['content-type']}`);
        await sleep(400);
        expect(srv.requests.length).toBe(1);
      } finally {
        t.close();
      }
    }
    const busy = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream busy');
    });
    const t = await tailOf(busy.url);
    try {
      await until(() => busy.requests.length >= 3, 5_000, 'retries on 503');
      expect(t.lastStatus()!.state).toBe('reconnecting');
      expect(t.lastStatus()!.reason).toBe('The cluster answered HTTP 503: "upstream busy".');
    } finally {
      t.close();
    }
  });
});

describe('events', () => {
  it('an oversized event is skipped with a marker and the next line arrives, on one connection', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\ndata: {"msg":"first"}\n\n');
      res.write(`id: 2\ndata: {"msg":"${'y'.repeat(9 * 1024 * 1024)}"}\n\n`);
      res.write('id: 3\ndata: {"msg":"next"}\n\n');
    });
    const t = await tailOf(srv.url);
    try {
      await until(() => t.rec.lines.some((l) => l.msg === 'next'), 10_000, 'the line after the big event');
      expect(infoLines(t)).toEqual(['An event of 9.0 MB (id 2) was larger than the 8.0 MB limit and was skipped; the tail goes on.']);
      expect(srv.requests.length).toBe(1);
    } finally {
      t.close();
    }
  });

  it('a token straddling the 16 KB display cut leaves no piece of itself in the pane', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The token starts 10 characters before the cut.
      const msg = `${'a'.repeat(16 * 1024 - 10)}${TOKEN} and more ${'b'.repeat(4096)}`;
      res.write(`id: 1\ndata: ${JSON.stringify({ msg, level: 30 })}\n\n`);
    });
    const t = await tailOf(srv.url);
    try {
      await until(() => t.rec.lines.some((l) => l.kind === 'rec'), 5_000, 'the long line');
      const shown = t.rec.lines.find((l) => l.kind === 'rec')!;
      expect(shown.size).toBeGreaterThan(16 * 1024);
      for (const wire of t.rec.wire) for (let k = 8; k <= TOKEN.length; k += 4) expect(wire).not.toContain(TOKEN.slice(0, k));
      expect(plain(shown.msg)).toContain('[reda');
    } finally {
      t.close();
    }
  });
});

describe('stream ids chosen by the renderer', () => {
  it('are scoped to their session: a second open with the same id is refused, another window gets its own tail', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"msg":"hi"}\n\n');
    });
    const a = await hostOnEmulator({ url: srv.url, masterToken: TOKEN });
    const b = await hostOnEmulator({ url: srv.url, masterToken: TOKEN });
    try {
      const id = await a.open('one', { streamId: 'ls-chosen1' });
      expect(id).toBe('ls-chosen1');
      const again = await a.host.call('logs.open', { container: 'two', streamId: id }, a.session);
      expect(!again.ok && again.error).toMatchObject({
        code: 'conflict',
        message: 'This stream id is already in use by a tail of this window.',
      });
      // The same id in another window is another tail; each window hears only its own.
      expect(await b.open('two', { streamId: id })).toBe(id);
      await until(() => a.rec.lines.length === 1 && b.rec.lines.length === 1, 5_000, 'one line each');
      expect((await b.host.call('logs.close', { streamId: id }, b.session)).ok).toBe(true);
      expect((await a.host.call('logs.retry', { streamId: id }, a.session)).ok).toBe(true);
      const bad = await a.host.call('logs.open', { container: 'x', streamId: 'not-an-id' }, a.session);
      expect(!bad.ok && bad.error.code).toBe('invalid_input');
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('lock', () => {
  it('closes every tail: the pane says why, no request follows, the registry is empty', async () => {
    let open = 0;
    const srv = await serve((_req, res) => {
      open++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: ${open}\ndata: {"msg":"hello ${open}"}\n\n`);
      const ping = setInterval(() => res.write('event: ping\ndata: {}\n\n'), 50);
      res.on('close', () => clearInterval(ping));
    });
    const t = await hostOnEmulator({ url: srv.url, masterToken: TOKEN });
    try {
      const a = await t.open('one');
      const b = await t.open('two');
      await until(() => t.rec.lines.filter((l) => l.kind === 'rec').length === 2, 5_000, 'both tails');
      expect(t.deps.flows.labels().sort()).toEqual(['tail Local emulator/one', 'tail Local emulator/two']);
      expect(await t.deps.flows.closeAll('The console was locked.')).toBe(2);
      expect(openTailCount()).toBe(0);
      const last = (id: string) => t.rec.statuses.filter((s) => s.streamId === id).at(-1)!;
      for (const id of [a, b]) {
        expect(last(id)).toMatchObject({ state: 'stopped', reason: 'The console was locked.' });
      }
      expect(infoLines(t)).toEqual(['Stopped: The console was locked.', 'Stopped: The console was locked.']);
      const requests = srv.requests.length;
      await sleep(500);
      expect(srv.requests.length).toBe(requests);
      // A closed tail is gone for the renderer too.
      expect((await t.host.call('logs.retry', { streamId: a }, t.session)).ok).toBe(false);
    } finally {
      t.close();
    }
  });
});

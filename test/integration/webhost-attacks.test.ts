/**
 * The browser host under attack, written as the attack: each hostile frame from issue 11 (finding 2)
 * is sent over a real WebSocket with the launch secret, and the host must answer it with a typed
 * error (or close that one socket with a reason) and still answer `app.info` on a new connection.
 * The host runs in this process, so a crash would surface as an unhandled error and fail the run.
 * Also finding 8: a symlink placed in the renderer folder does not serve what it points at.
 */
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, MAX_FRAME_DEPTH } from '../../common/wire';
import { startWebHost, type WebHost } from '../../core/webhost/server';
import { makeHost, startTestWebHost, tempDir } from '../helpers/host';
import { openHostSocket, type HostSocket } from '../helpers/ws';

type Started = Awaited<ReturnType<typeof startTestWebHost>>;

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('browser host: no frame kills it', () => {
  let started: Started;
  let sock: HostSocket;
  beforeAll(async () => {
    started = await startTestWebHost();
    sock = await openHostSocket(started.web);
  });
  afterAll(async () => {
    sock.close();
    await started.close();
  });

  // Frames with no usable id: each gets one reply with id null and a typed error in words.
  const anonymous: Array<[string, string, RegExp]> = [
    ['null', 'null', /not a request/],
    ['an object as channel', '{"channel":{"toString":1}}', /channel/],
    ['an empty array', '[]', /not a request/],
    ['an array of requests', '[{"id":1,"channel":"app.info"}]', /not a request/],
    ['a bare string', '"app.info"', /not a request/],
    ['a bare number', '42', /not a request/],
    ['a huge number', '1e400', /not a request/],
    ['an id past 2^53', '{"id":123456789012345678901234567890,"channel":"app.info"}', /id/],
    ['an id of 1e400 (Infinity)', '{"id":1e400,"channel":"app.info"}', /id/],
    ['a negative id', '{"id":-1,"channel":"app.info"}', /id/],
    ['a fractional id', '{"id":1.5,"channel":"app.info"}', /id/],
    ['a string id', '{"id":"1","channel":"app.info"}', /id/],
    ['not JSON', '{"id":1,', /not JSON/],
    ['an empty frame', '', /not JSON/],
    ['arrays nested 100,000 deep', deep(100_000), new RegExp(`deeper than ${MAX_FRAME_DEPTH}`)],
    ['objects nested 50,000 deep', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), new RegExp(`deeper than ${MAX_FRAME_DEPTH}`)],
  ];
  for (const [what, frame, message] of anonymous) {
    it(`answers ${what} with a typed error (id null)`, async () => {
      const reply = await sock.exchange(frame);
      expect(reply).toMatchObject({ id: null, result: { ok: false, error: { code: 'invalid_input' } } });
      expect(reply?.result.error?.message).toMatch(message);
      expect(await sock.call('app.info')).toMatchObject({ ok: true });
    });
  }

  // Frames with a usable id: the error goes back to that id.
  const identified: Array<[string, string, number, string, RegExp]> = [
    ['an object as channel', '{"id":7,"channel":{"toString":1}}', 7, 'invalid_input', /channel/],
    ['an array as channel', '{"id":8,"channel":["app.info"]}', 8, 'invalid_input', /channel/],
    ['a 10,000-character channel', JSON.stringify({ id: 9, channel: 'x'.repeat(10_000) }), 9, 'invalid_input', /channel/],
    ['__proto__ as channel', '{"id":10,"channel":"__proto__"}', 10, 'unknown_channel', /Unknown channel/],
    ['constructor as channel', '{"id":11,"channel":"constructor"}', 11, 'unknown_channel', /Unknown channel/],
    ['a __proto__ key in the input', '{"id":12,"channel":"app.info","input":{"__proto__":{"polluted":1}}}', 12, 'invalid_input', /.+/],
    ['a huge number in the input', '{"id":13,"channel":"audit.list","input":{"limit":1e308}}', 13, 'invalid_input', /limit/],
    ['an input nested 10,000 deep', `{"id":14,"channel":"app.info","input":${deep(10_000)}}`, 14, 'invalid_input', /deeper than/],
  ];
  for (const [what, frame, id, code, message] of identified) {
    it(`answers ${what} with a typed error to id ${id}`, async () => {
      const reply = await sock.exchange(frame);
      expect(reply).toMatchObject({ id, result: { ok: false, error: { code } } });
      expect(reply?.result.error?.message).toMatch(message);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  // Frames no reply can follow: that one socket is closed with the standard code (1007 invalid
  // payload, 1009 too big: the code is the reason, as ws sends it) or our own words, the host goes on.
  const closing: Array<[string, (s: HostSocket) => void, number, RegExp]> = [
    [
      'a binary frame',
      (s) => s.ws.send(Buffer.from('{"id":1,"channel":"app.info"}'), { binary: true }),
      1003,
      /Binary frames are not accepted/,
    ],
    ['a text frame of invalid UTF-8', (s) => s.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false }), 1007, /^$/],
    ['a frame over the size cap', (s) => s.ws.send('x'.repeat(MAX_FRAME_BYTES + 1)), 1009, /^$/],
  ];
  for (const [what, attack, code, reason] of closing) {
    it(`closes the socket that sent ${what} (${code}) and keeps serving others`, async () => {
      const victim = await openHostSocket(started.web);
      attack(victim);
      const closed = await victim.closed;
      expect(closed.code).toBe(code);
      expect(closed.reason).toMatch(reason);
      const next = await openHostSocket(started.web);
      try {
        expect(await next.call('app.info')).toMatchObject({ ok: true });
      } finally {
        next.close();
      }
    });
  }

  it('survives a client that vanishes mid-call, then answers app.info on a second connection', async () => {
    const rude = await openHostSocket(started.web);
    rude.ws.send(JSON.stringify({ id: 1, channel: 'audit.list', input: {} }));
    rude.ws.terminate();
    await rude.closed;
    const second = await openHostSocket(started.web);
    try {
      expect(await second.call('app.info')).toMatchObject({ ok: true });
    } finally {
      second.close();
    }
  });
});

describe('browser host: the static server stays inside the renderer folder', () => {
  let web: WebHost;
  let cleanup: () => void;
  let outside: string;
  beforeAll(async () => {
    // A temp copy of the built renderer, with links planted in it: one to a file outside, one to a
    // folder outside, one to a file inside.
    const staticDir = join(tempDir('esc-static-'), 'renderer');
    cpSync(join(process.cwd(), 'out', 'renderer'), staticDir, { recursive: true });
    outside = tempDir('esc-outside-');
    writeFileSync(join(outside, 'secret.txt'), 'OUTSIDE-THE-RENDERER');
    mkdirSync(join(outside, 'dir'));
    writeFileSync(join(outside, 'dir', 'inner.js'), 'OUTSIDE-THE-RENDERER');
    symlinkSync(join(outside, 'secret.txt'), join(staticDir, 'leak.txt'));
    symlinkSync(join(outside, 'dir'), join(staticDir, 'linked'));
    symlinkSync(join(staticDir, 'index.html'), join(staticDir, 'alias.html'));
    const made = makeHost();
    web = await startWebHost({ host: made.host, staticDir, port: 0 });
    cleanup = () => {
      made.cleanup();
      rmSync(staticDir, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    };
  });
  afterAll(async () => {
    await web.close();
    cleanup();
  });

  const get = async (path: string) => {
    const res = await request(`${web.url}${path}`);
    return { status: res.statusCode, body: await res.body.text() };
  };

  it('refuses a symlinked file that points outside', async () => {
    const r = await get('/leak.txt');
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('OUTSIDE-THE-RENDERER');
  });

  it('refuses a file under a symlinked folder that points outside', async () => {
    const r = await get('/linked/inner.js');
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('OUTSIDE-THE-RENDERER');
  });

  it('serves a link whose target lies inside, and the page itself', async () => {
    expect((await get('/alias.html')).status).toBe(200);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
  });

  it('answers malformed percent-encoding with 400, not a crash', async () => {
    const r = await get('/%E0%A4%A');
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/percent-encoding/);
  });
});

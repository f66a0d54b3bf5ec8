// The real-time log stream: SSE framing, pings, extension output, platform events, resume, limits.
import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import { startEmulator } from '../../emulator/index';
import { api, useEmulator } from '../helpers/emulator';
import type { Emulator } from '../../emulator/index';

const emu = useEmulator({ seed: 'demo', logPingMs: 150, logMaxStreamMs: 1500, logBufferSize: 50 });

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** A raw SSE reader over node:http that records every event and every socket chunk. */
function openStream(e: Emulator, container: string, opts: { token?: string | null; key?: string; lastEventId?: string } = {}) {
  const events: SseEvent[] = [];
  const chunks: string[] = [];
  let status = 0;
  let buffer = '';
  let ended = false;
  const qs = opts.key ? `?key=${encodeURIComponent(opts.key)}` : '';
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  const token = opts.token === undefined ? e.masterToken : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  let destroy = (): void => {};
  const opened = new Promise<number>((resolve, reject) => {
    const req = request(`${e.url}/api/logs/tenant/${container}${qs}`, { headers }, (res) => {
      status = res.statusCode ?? 0;
      resolve(status);
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        chunks.push(c);
        buffer += c;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const ev: SseEvent = {};
          for (const line of block.split('\n')) {
            const m = /^([^:]*):\s?(.*)$/.exec(line);
            if (!m || !m[1]) continue;
            (ev as Record<string, string>)[m[1]] = m[2]!;
          }
          if (ev.data !== undefined || ev.event) events.push(ev);
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
    });
    req.on('error', reject);
    req.end();
    destroy = () => req.destroy();
  });
  const stream = {
    opened,
    events,
    chunks,
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    records: (): Array<Record<string, unknown> & { id?: string }> =>
      events.filter((x) => x.event === undefined && x.data).map((x) => ({ id: x.id, ...(JSON.parse(x.data!) as Record<string, unknown>) })),
    close: () => destroy(),
    async waitFor(pred: () => boolean, ms = 5000): Promise<void> {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > ms) throw new Error('timed out waiting for stream condition');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  return stream;
}

describe('log stream', () => {
  it('streams what a running extension prints, with sandbox: true, as bunyan records', async () => {
    const s = openStream(emu(), 'acme-prod');
    expect(await s.opened).toBe(200);
    await api(emu(), '/api/run/acme-prod/audit-logger?from=test', { token: null });
    await s.waitFor(() => s.records().some((r) => String(r.msg).includes('audit: audit called')));
    const rec = s.records().find((r) => String(r.msg).includes('audit: audit called'))!;
    expect(rec).toMatchObject({ sandbox: true, level: 30, name: expect.any(String), webtask: 'audit-logger', container: 'acme-prod' });
    expect(Date.parse(String(rec.time))).toBeGreaterThan(0);
    const warn = s.records().find((r) => String(r.msg).includes('client ip'))!;
    expect(warn.level).toBe(40);
    s.close();
  });

  it('writes each event in one chunk and pings well under 20 s', async () => {
    const s = openStream(emu(), 'initech');
    await s.opened;
    for (let i = 0; i < 5; i++) emu().emitLog('initech', { msg: `line ${i}` });
    await s.waitFor(() => s.events.filter((e) => e.event === 'ping').length >= 2);
    const pings = s.events.filter((e) => e.event === 'ping');
    expect(pings.length).toBeGreaterThanOrEqual(2);
    // Every data frame arrived whole inside one socket chunk (wt 11 needs that).
    for (let i = 0; i < 5; i++) expect(s.chunks.some((c) => c.includes(`"msg":"line ${i}"`) && /data: .*\n\n/.test(c))).toBe(true);
    // The default event (bare data:) is what wt 11 and browsers both read.
    expect(s.chunks.join('')).not.toMatch(/event: data/);
    s.close();
  });

  it('carries platform events: webtask created/updated/deleted, cron', async () => {
    const s = openStream(emu(), 'plat');
    emu().issueToken({ ten: 'plat' });
    await s.opened;
    await api(emu(), '/api/webtask/plat/p1', { method: 'PUT', body: { code: 'module.exports = cb => cb()' } });
    await api(emu(), '/api/webtask/plat/p1', { method: 'PUT', body: { code: 'module.exports = cb => cb(null, 1)' } });
    await api(emu(), '/api/cron/plat/p1', { method: 'PUT', body: { schedule: '0 0 * * *' } });
    await api(emu(), '/api/webtask/plat/p1', { method: 'DELETE' });
    await s.waitFor(() => s.records().length >= 4);
    expect(s.records().map((r) => r.event)).toEqual(['webtask.created', 'webtask.updated', 'cron.created', 'webtask.deleted']);
    expect(s.records().every((r) => r.sandbox === undefined)).toBe(true);
    s.close();
  });

  it('resumes from Last-Event-ID within the bounded buffer', async () => {
    const s = openStream(emu(), 'resume');
    await s.opened;
    for (let i = 1; i <= 10; i++) emu().emitLog('resume', { msg: `r${i}` });
    await s.waitFor(() => s.records().length === 10);
    const ids = s.records().map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    s.close();
    const cut = ids[4]!;
    for (let i = 11; i <= 13; i++) emu().emitLog('resume', { msg: `r${i}` });
    const again = openStream(emu(), 'resume', { lastEventId: String(cut) });
    await again.opened;
    await again.waitFor(() => again.records().length === 8);
    expect(again.records().map((r) => r.msg)).toEqual(['r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13']);
    again.close();
    // Beyond the window (50 records) the oldest are gone: ids jump, which is how a client sees the gap.
    for (let i = 0; i < 80; i++) emu().emitLog('resume', { msg: `flood ${i}` });
    const late = openStream(emu(), 'resume', { lastEventId: String(cut) });
    await late.opened;
    await late.waitFor(() => late.records().length === 50);
    expect(Number(late.records()[0]!.id)).toBeGreaterThan(cut + 1);
    late.close();
  });

  it('offers no resume for a container when turned off (no ids, Last-Event-ID ignored)', async () => {
    const on = await api(emu(), '/admin/logs/noresume/resume', { method: 'PUT', body: { enabled: false } });
    expect(on.status).toBe(200);
    for (let i = 0; i < 3; i++) emu().emitLog('noresume', { msg: `old ${i}` });
    const s = openStream(emu(), 'noresume', { lastEventId: '1' });
    await s.opened;
    emu().emitLog('noresume', { msg: 'new' });
    await s.waitFor(() => s.records().length === 1);
    expect(s.records()[0]).toMatchObject({ msg: 'new' });
    expect(s.records()[0]!.id).toBeUndefined();
    s.close();
    emu().setLogResume('noresume', true);
  });

  it('ends the stream after the configured maximum duration', async () => {
    const s = openStream(emu(), 'acme-prod');
    await s.opened;
    await s.waitFor(() => s.ended, 4000);
    expect(s.ended).toBe(true);
  });

  it('authenticates by ?key= and by header; the header wins; 403 otherwise', async () => {
    const tok = emu().issueToken({ ten: 'globex' }, 'v1');
    const byKey = openStream(emu(), 'globex', { token: null, key: tok });
    expect(await byKey.opened).toBe(200);
    byKey.close();
    const headerWins = openStream(emu(), 'globex', { token: 'bogus-token', key: tok });
    expect(await headerWins.opened).toBe(403);
    const none = openStream(emu(), 'globex', { token: null });
    expect(await none.opened).toBe(403);
    const other = openStream(emu(), 'acme-prod', { token: tok });
    expect(await other.opened).toBe(403);
  });

  it('floods a container at a requested rate through the admin API', async () => {
    const s = openStream(emu(), 'flooded');
    await s.opened;
    const start = await api<{ id: string }>(emu(), '/admin/logs/flooded/flood', { method: 'POST', body: { rate: 2000, count: 500 } });
    expect(start.status).toBe(201);
    await s.waitFor(() => s.records().length >= 500);
    const seqs = s.records().map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(s.records()[0]).toHaveProperty('emitted_at');
    const bad = await api<{ message: string }>(emu(), '/admin/logs/flooded/flood', { method: 'POST', body: { rate: -1 } });
    expect(bad.status).toBe(400);
    const noAuth = await api(emu(), '/admin/logs/flooded/flood', {
      method: 'POST',
      token: emu().issueToken({ ten: 'flooded' }),
      body: { rate: 1 },
    });
    expect(noAuth.status).toBe(403);
    s.close();
  });

  it('after a restart (an id ahead of the server), replays the whole window', async () => {
    emu().emitLog('restarted', { msg: 'fresh 1' });
    emu().emitLog('restarted', { msg: 'fresh 2' });
    const s = openStream(emu(), 'restarted', { lastEventId: '999999' });
    await s.opened;
    await s.waitFor(() => s.records().length === 2);
    expect(s.records().map((r) => r.msg)).toEqual(['fresh 1', 'fresh 2']);
    s.close();
  });

  it('cuts a consumer that stops reading instead of buffering without bound', async () => {
    const e = await startEmulator({ port: 0, quiet: true, logMaxBufferedBytes: 64 * 1024 });
    try {
      e.issueToken({ ten: 'slow' });
      const sock = connect(e.port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(
        `GET /api/logs/tenant/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${e.masterToken}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      sock.pause();
      await new Promise((r) => setTimeout(r, 100));
      const line = 'x'.repeat(1000);
      let emitted = 0;
      // 40 MB in slices, letting the socket fill between them.
      for (let i = 0; i < 40; i++) {
        for (let j = 0; j < 1000; j++) {
          e.emitLog('slow', { msg: line });
          emitted += line.length;
        }
        await new Promise((r) => setImmediate(r));
      }
      let received = 0;
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      sock.on('data', (c: Buffer) => (received += c.length));
      sock.resume();
      await closed;
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThan(emitted);
    } finally {
      await e.close();
    }
  });
});

// Issue 11, written as the attacks: the token goes only to the origin it was saved for, a redirect is
// never followed with it, lock stops a running tail and refuses token calls, errors quoting the
// Authorization header and cuts through a token leak nothing to disk, invoke stays inside its extension.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationRecord, LockResult } from '../../common/contract';
import { createSession, type Host } from '../../core/host';
import { localRunDone } from '../../core/host/exports/local';
import { WebtaskClient } from '../../core/webtask/client';
import { auth0Of } from '../../emulator/auth0/index';
import { api, useEmulator } from '../helpers/emulator';
import { callOk, hostOnEmulator, makeHost } from '../helpers/host';
import { hostOnEmulator as tailHostOnEmulator, sleep, until } from '../helpers/logs';
import { recordingProxy } from '../helpers/proxy';

// No scheduled runs: a demo cron job in flight would make the local replays here wait or refuse.
const emu = useEmulator({ seed: 'demo', scheduledRuns: false });

/** A loopback server that records every request's Authorization header and answers with `answer`. */
async function recorder(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Array<{ url: string; auth?: string }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    answer(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const list200 = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('[{"name":"hello","container":"acme"}]');
};

async function callErr(host: Host, channel: string, input: unknown) {
  const r = await host.call(
    channel,
    input,
    createSession(host.deps, 's', () => {}),
  );
  if (r.ok) throw new Error(`${channel} unexpectedly succeeded`);
  return r.error;
}

/** Every file under a directory, as text. */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

/** Every piece of `token` of `n` characters. */
const piecesOf = (token: string, n: number) => Array.from({ length: token.length - n + 1 }, (_, i) => token.slice(i, i + n));

describe('finding 1: a token goes only to the origin it was saved for', () => {
  const TOKEN = 'gate-master-token-5e1d9a7c3b2f';
  let good: Awaited<ReturnType<typeof recorder>>;
  let attacker: Awaited<ReturnType<typeof recorder>>;
  let h: ReturnType<typeof makeHost>;
  beforeAll(async () => {
    good = await recorder(list200);
    attacker = await recorder(list200);
    h = makeHost({ requestTimeoutMs: 3000 });
  });
  afterAll(async () => {
    await good.close();
    await attacker.close();
    h.cleanup();
  });

  it('profiles.save with a stored id, a new url and no token, then profiles.test: NO Authorization reaches the new URL', async () => {
    const saved = await callOk<{ id: string; hasToken: boolean }>(h.host, 'profiles.save', {
      name: 'Prod',
      url: good.url,
      container: 'acme',
      token: TOKEN,
    });
    expect(await callOk(h.host, 'profiles.test', { id: saved.id })).toMatchObject({ outcome: 'ok' });
    expect(good.seen.at(-1)?.auth).toBe(`Bearer ${TOKEN}`);

    // The attack: point the stored profile somewhere else, keeping "the stored token".
    const moved = await callOk<{ hasToken: boolean; tokenDropped?: string }>(h.host, 'profiles.save', {
      id: saved.id,
      name: 'Prod',
      url: attacker.url,
      container: 'acme',
    });
    expect(moved.hasToken).toBe(false);
    expect(moved.tokenDropped).toBe('The token was removed because the URL changed: enter it again.');
    const test = await callOk<{ outcome: string; message: string }>(h.host, 'profiles.test', { id: saved.id });
    expect(test.outcome).toBe('no_token');
    expect((await callErr(h.host, 'webtasks.list', { container: 'acme' })).code).toBe('unauthorized');
    expect((await callErr(h.host, 'tenants.discover', {})).code).toBe('unauthorized');
    expect(attacker.seen.filter((s) => s.auth !== undefined)).toEqual([]);
    expect(JSON.stringify(attacker.seen)).not.toContain(TOKEN);

    // Moving back does not bring the token back: it was dropped, not hidden.
    await callOk(h.host, 'profiles.save', { id: saved.id, name: 'Prod', url: good.url, container: 'acme' });
    expect((await callOk<{ outcome: string }>(h.host, 'profiles.test', { id: saved.id })).outcome).toBe('no_token');
    const audit = readFileSync(join(h.dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"tokenDropped":true');
  });

  it('an edit that keeps the origin (path, trailing slash, default port spelled out) keeps the token', async () => {
    const saved = await callOk<{ id: string }>(h.host, 'profiles.save', { name: 'Same', url: good.url, container: 'acme', token: TOKEN });
    const same = await callOk<{ hasToken: boolean; tokenDropped?: string }>(h.host, 'profiles.save', {
      id: saved.id,
      name: 'Same',
      url: `${good.url.replace('127.0.0.1', '127.0.0.1')}/`,
      container: 'other',
    });
    expect(same).toMatchObject({ hasToken: true });
    expect(same.tokenDropped).toBeUndefined();
    const withToken = await callOk<{ hasToken: boolean; tokenDropped?: string }>(h.host, 'profiles.save', {
      id: saved.id,
      name: 'Same',
      url: attacker.url,
      container: 'acme',
      token: 'a-new-token-for-the-new-origin',
    });
    expect(withToken).toMatchObject({ hasToken: true });
    expect(withToken.tokenDropped).toBeUndefined();
    await callOk(h.host, 'profiles.test', { id: saved.id });
    expect(attacker.seen.at(-1)?.auth).toBe('Bearer a-new-token-for-the-new-origin');
  });

  it('the client refuses a URL outside its token origin, and never follows a redirect with the token', async () => {
    expect(() => new WebtaskClient({ url: attacker.url, token: TOKEN, tokenOrigin: 'http://127.0.0.1:1' })).toThrow(
      /saved for http:\/\/127\.0\.0\.1:1/,
    );
    const client = new WebtaskClient({ url: good.url, token: TOKEN });
    // A "path" that turns the URL into userinfo@otherhost is refused before anything is sent.
    const before = attacker.seen.length;
    await expect(client.raw('GET', `@${new URL(attacker.url).host}/x`)).rejects.toThrow(/never sent to/);
    expect(attacker.seen.length).toBe(before);

    const bouncer = await recorder((_req, res) => {
      res.writeHead(302, { location: `${attacker.url}/api/webtask/acme` });
      res.end();
    });
    try {
      const c = new WebtaskClient({ url: bouncer.url, token: TOKEN });
      const res = await c.raw('GET', '/api/webtask/acme');
      expect(res.status).toBe(302);
      expect(bouncer.seen.at(-1)?.auth).toBe(`Bearer ${TOKEN}`);
      expect(attacker.seen.length).toBe(before);
      // And through the handler table: the 302 is an answer, not a hop.
      const p = await callOk<{ id: string }>(h.host, 'profiles.save', {
        name: 'Bounce',
        url: bouncer.url,
        container: 'acme',
        token: TOKEN,
      });
      const t = await callOk<{ outcome: string }>(h.host, 'profiles.test', { id: p.id });
      expect(t.outcome).toBe('bad_response');
      expect(attacker.seen.length).toBe(before);
    } finally {
      await bouncer.close();
    }
  });
});

describe('finding 5: lock holds', () => {
  it('closes an open tail, lets no reconnect reach the cluster, refuses token calls with `locked`; unlock serves the embedded profile again', async () => {
    const proxy = await recordingProxy(emu().url);
    const t = await tailHostOnEmulator({ url: proxy.url, masterToken: emu().masterToken }, { container: 'acme-prod' });
    try {
      const logRequests = () => proxy.seen.filter((s) => s.url.startsWith('/api/logs/')).length;
      const streamId = await t.open('acme-prod');
      await until(() => t.lastStatus()?.state === 'connected', 10_000, 'connected');
      emu().emitLog('acme-prod', { msg: 'before the lock', level: 30 });
      await until(() => t.rec.lines.some((l) => l.msg === 'before the lock'), 10_000, 'a line before the lock');
      expect(logRequests()).toBeGreaterThanOrEqual(1);

      const locked = await t.host.call('app.lock', {}, t.session);
      expect(locked.ok && (locked.data as LockResult).closedFlows).toBe(1);
      expect(t.lastStatus()?.streamId).toBe(streamId);
      expect(['closed', 'stopped']).toContain(t.lastStatus()?.state);
      const afterLock = logRequests();
      const linesAtLock = t.rec.lines.length;

      // A line quoting the token, emitted while locked, reaches nobody; no reconnect is made.
      emu().emitLog('acme-prod', { msg: `while locked ${emu().masterToken}`, level: 30 });
      expect((await t.host.call('logs.retry', { streamId }, t.session)).ok).toBe(false);
      for (const [channel, input] of [
        ['logs.open', { container: 'acme-prod', streamId: 'ls-lockedprobe' }],
        ['logs.open', { containers: ['acme-prod', 'globex'], streamId: 'ls-lockedmerge' }],
        ['logs.containersWith', { extension: 'counter' }],
        ['webtasks.list', { container: 'acme-prod' }],
        ['webtasks.invoke', { container: 'acme-prod', name: 'counter' }],
        ['tenants.discover', {}],
        ['exports.jobs', { container: 'acme-prod' }],
        ['profiles.test', { id: 'local-emulator' }],
      ] as const) {
        const r = await t.host.call(channel, input, t.session);
        expect(r.ok ? 'ok' : r.error.code, channel).toBe('locked');
      }
      await sleep(1500);
      expect(logRequests()).toBe(afterLock);
      expect(t.rec.lines.length).toBe(linesAtLock);
      expect(t.rec.wire.join('\n')).not.toContain(emu().masterToken);

      // Unlock: the host provisions the embedded profile's token again.
      const unlocked = await t.host.call('app.unlock', {}, t.session);
      expect(unlocked).toMatchObject({ ok: true, data: { backend: 'session', needToken: [] } });
      const test = await t.host.call('profiles.test', { id: 'local-emulator' }, t.session);
      expect(test).toMatchObject({ ok: true, data: { outcome: 'ok' } });
    } finally {
      t.close();
      await proxy.close();
    }
  });
});

describe('finding 6: redaction before cutting and before persisting', () => {
  it('a discovery error quoting the Authorization header (a 500 echoing it) is not written raw to settings.json or audit.jsonl', async () => {
    const TOKEN = 'echoed-master-token-0f9e8d7c6b5a4930';
    const echo = await recorder((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ message: `upstream refused: Authorization: ${req.headers.authorization} (token ${encodeURIComponent(TOKEN)})` }),
      );
    });
    const h = makeHost({ requestTimeoutMs: 3000 });
    try {
      await callOk(h.host, 'profiles.save', { name: 'Echo', url: echo.url, container: 'acme', token: TOKEN });
      const err = await callErr(h.host, 'tenants.discover', {});
      expect(err.message).toMatch(/Discovery failed/);
      expect(err.message).not.toContain(TOKEN);
      expect(echo.seen.at(-1)?.auth).toBe(`Bearer ${TOKEN}`);
      const files = filesUnder(h.dataDir);
      const settings = files.find((f) => f.path.endsWith('settings.json'))!.text;
      expect(settings).toContain('Discovery failed');
      for (const f of files) for (const piece of piecesOf(TOKEN, 8)) expect(f.text, `${f.path} holds "${piece}"`).not.toContain(piece);
    } finally {
      h.cleanup();
      await echo.close();
    }
  });

  it('a token straddling the 256 KiB body cut (and the 64 KB history cut) leaks no 8-character piece', async () => {
    const TOKEN = 'straddle-token-7a6b5c4d3e2f1a0b9c8d';
    const VIEW = 256 * 1024;
    const HISTORY = 64 * 1024;
    // The body puts "Bearer <token>" across the view cut, and the token alone across the history cut.
    const echo = await recorder((req, res) => {
      const auth = req.headers.authorization ?? '';
      const body = `${'h'.repeat(HISTORY - 12)} ${TOKEN} ${'a'.repeat(VIEW - HISTORY - TOKEN.length - 10)}${auth} tail`;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    });
    const h = makeHost({ requestTimeoutMs: 5000 });
    try {
      await callOk(h.host, 'profiles.save', { name: 'Echo', url: echo.url, container: 'acme', token: TOKEN });
      const rec = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', {
        container: 'acme',
        name: 'echo',
        method: 'POST',
        withProfileToken: true,
      });
      expect(rec.status).toBe(200);
      expect(rec.body.truncated).toBe(true);
      expect(rec.body.text.length).toBeLessThanOrEqual(VIEW + 10);
      const hist = await callOk<{ entries: InvocationRecord[] }>(h.host, 'webtasks.history', { container: 'acme', name: 'echo' });
      expect(hist.entries[0]!.body.text.length).toBeLessThanOrEqual(HISTORY + 10);
      const seen = [JSON.stringify(rec), JSON.stringify(hist), ...filesUnder(h.dataDir).map((f) => f.text)];
      for (const text of seen) for (const piece of piecesOf(TOKEN, 8)) expect(text.includes(piece), `leaked "${piece}"`).toBe(false);
    } finally {
      h.cleanup();
      await echo.close();
    }
  });
});

describe('finding 9: invoke stays inside its extension', () => {
  it('DELETE counter with /%2e%2e/%2e%2e/%2e%2e/webtask/acme-prod/delete-me and the profile token: refused with a message, delete-me still exists', async () => {
    const proxy = await recordingProxy(emu().url);
    const h = await hostOnEmulator({ url: proxy.url, masterToken: emu().masterToken });
    try {
      const put = await api(emu(), '/api/webtask/acme-prod/delete-me', {
        method: 'PUT',
        body: { code: 'module.exports = cb => cb(null, "still here")' },
      });
      expect(put.status).toBeLessThan(300);
      const attack = '/%2e%2e/%2e%2e/%2e%2e/webtask/acme-prod/delete-me';
      const before = proxy.seen.length;
      const err = await callErr(h.host, 'webtasks.invoke', {
        container: 'acme-prod',
        name: 'counter',
        method: 'DELETE',
        path: attack,
        withProfileToken: true,
      });
      expect(err.code).toBe('invalid_input');
      expect(err.message).toContain('Refused path');
      expect(err.message).toContain('would climb out of the extension');
      expect(err.message).toContain('nothing was sent');
      // Nothing at all reached the cluster for this call.
      expect(proxy.seen.length).toBe(before);
      expect((await api(emu(), '/api/webtask/acme-prod/delete-me')).status).toBe(200);

      for (const path of ['/..', '/a/./b', '/%2E%2e', '/a%2fb', '/a%2F..%2Fb', '/a%5cb', '/%252e%252e/x', '/%25252e%25252e', '/a%00b']) {
        const e = await callErr(h.host, 'webtasks.invoke', {
          container: 'acme-prod',
          name: 'counter',
          method: 'DELETE',
          path,
          withProfileToken: true,
        });
        expect(e.code, path).toBe('invalid_input');
        expect(e.message, path).toMatch(/^Refused path/);
      }
      expect(proxy.seen.length).toBe(before);

      // An ordinary path still runs, the token goes only under /api/run/acme-prod/counter, and the audit names method and full path.
      const ok = await callOk<InvocationRecord>(h.host, 'webtasks.invoke', {
        container: 'acme-prod',
        name: 'counter',
        method: 'GET',
        path: '/x:y@z/caf%C3%A9/100%25',
        withProfileToken: true,
      });
      expect(ok.status).toBeLessThan(500);
      const runs = proxy.seen.slice(before).filter((s) => s.url.startsWith('/api/run/'));
      expect(runs.length).toBe(1);
      for (const s of runs) expect(s.auth !== undefined && s.url.startsWith('/api/run/acme-prod/counter/')).toBe(true);
      expect(proxy.seen.some((s) => s.url.startsWith('/api/run/acme-prod/counter/x:y@z/caf%C3%A9/100%25'))).toBe(true);
      const audit = readFileSync(join(h.dataDir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { action: string; outcome: string; detail?: { method?: string; path?: string; error?: string } });
      const invokes = audit.filter((a) => a.action === 'webtask.invoke');
      expect(invokes[0]).toMatchObject({ outcome: 'error', detail: { method: 'DELETE', path: attack, error: 'path_refused' } });
      expect(invokes.at(-1)).toMatchObject({ detail: { method: 'GET', path: '/api/run/acme-prod/counter/x:y@z/caf%C3%A9/100%25' } });
    } finally {
      await h.close();
      await proxy.close();
    }
  });
});

describe('lock stops a local replay', () => {
  it('cancels a running local replay (registered with deps.flows)', async () => {
    const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
    const job = { container: 'globex', name: 'logs-to-logstash' };
    // A slow destination keeps the replay running when the lock comes.
    const slow = emu().faults.add({ path: '/dest/logstash/globex', latencyMs: 400 });
    try {
      const view = await callOk<{ destination: { label: string } }>(h.host, 'exports.job', job);
      const from = auth0Of(emu())!.tenant('globex')!.allIds()[0]!;
      const run = await callOk<{ runId: string; state: string }>(h.host, 'exports.replayLocal', {
        ...job,
        from,
        notify: false,
        confirm: { tenant: 'globex', destination: view.destination.label },
      });
      expect(run.state).toBe('running');
      expect(h.host.deps.flows.labels()).toContain('replay globex/logs-to-logstash');
      const locked = await callOk<LockResult>(h.host, 'app.lock', {});
      expect(locked.closedFlows).toBe(1);
      const done = await localRunDone(h.host.deps, run.runId);
      expect(done.state).toBe('cancelled');
      expect(h.host.deps.flows.size).toBe(0);
    } finally {
      emu().faults.remove(slow.id);
      await h.close();
    }
  });
});

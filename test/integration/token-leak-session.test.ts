// A scripted support session through the browser host's WebSocket, as a page drives it, with the
// embedded emulator: profiles, browse, inspect, invoke (a body that echoes the token across the view
// cut), a live tail with lines quoting the token, a local export replay, errors that quote the
// Authorization header, lock, unlock. Afterwards the master token, its URL-encoded and base64 forms and
// every 16-character piece of it appear in no file under the data dir, no WebSocket frame and no line
// the host wrote (its log lines, console output).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { ExportJob, LocalRun } from '../../common/contract';
import WebSocket from 'ws';
import { PROTOCOL, SECRET_PREFIX } from '../../common/wire';
import { startWebHost } from '../../core/webhost/server';
import { localRunDone } from '../../core/host/exports/local';
import { auth0Of } from '../../emulator/auth0/index';
import { api, useEmulator } from '../helpers/emulator';
import { hostOnEmulator } from '../helpers/host';
import { until } from '../helpers/logs';

// No scheduled runs: a demo cron job in flight would make the local replays here wait or refuse.
const emu = useEmulator({ seed: 'demo', scheduledRuns: false });

function filesUnder(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, text: readFileSync(p, 'latin1') });
  }
  return out;
}

/** The token's forms and every 16-character piece of each: none may appear anywhere the session wrote. */
function forbiddenOf(token: string): string[] {
  const forms = [token, encodeURIComponent(token), Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url')];
  const pieces = new Set<string>(forms);
  for (const f of forms) for (let i = 0; i + 16 <= f.length; i++) pieces.add(f.slice(i, i + 16));
  return [...pieces];
}

it('a whole session through the browser host leaks no piece of the master token to disk, frames or host output', async () => {
  const token = emu().masterToken;
  // A cluster front that echoes the Authorization header in its errors (a proxy's debug page).
  const echo = createServer((req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        message: `upstream said no to Authorization: ${req.headers.authorization} (${encodeURIComponent(req.headers.authorization ?? '')})`,
      }),
    );
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  const h = await hostOnEmulator(emu(), { requestTimeoutMs: 20_000 });
  // Everything the host writes: its own log lines and any console output while the session runs.
  const hostOutput: string[] = [];
  const web = await startWebHost({
    host: h.host,
    staticDir: join(process.cwd(), 'out', 'renderer'),
    port: 0,
    log: (line) => hostOutput.push(line),
  });
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = consoleMethods.map((m) => console[m]);
  for (const m of consoleMethods) console[m] = (...args: unknown[]) => void hostOutput.push(args.map(String).join(' '));
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api`, [PROTOCOL, `${SECRET_PREFIX}${web.secret}`], { origin: web.url });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // Every frame the page would receive, raw: replies and events.
  const seen: string[] = [];
  const events: Array<{ topic: string; payload: unknown }> = [];
  const pending = new Map<number, (r: { ok: boolean; data?: unknown; error?: { code: string; message: string } }) => void>();
  ws.on('message', (raw: WebSocket.RawData) => {
    const text = raw.toString();
    seen.push(text);
    const msg = JSON.parse(text) as { event?: string; payload?: unknown; id?: number; result?: { ok: boolean } };
    if (typeof msg.event === 'string') events.push({ topic: msg.event, payload: msg.payload });
    else if (typeof msg.id === 'number') pending.get(msg.id)?.(msg.result as never);
  });
  let nextId = 1;
  const call = (channel: string, input: unknown) =>
    new Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }>((resolve) => {
      const id = nextId++;
      pending.set(id, (r) => {
        pending.delete(id);
        resolve(r);
      });
      ws.send(JSON.stringify({ id, channel, input }));
    });
  const ok = async <T>(channel: string, input: unknown): Promise<T> => {
    const r = await call(channel, input);
    if (!r.ok) throw new Error(`${channel}: ${r.error?.code}: ${r.error?.message}`);
    return r.data as T;
  };
  try {
    // Profiles: a second profile on the emulator, one on the echoing front; tests of both.
    const second = await ok<{ id: string }>('profiles.save', { name: 'Emulator again', url: emu().url, container: 'globex', token });
    expect(await ok('profiles.test', { id: second.id })).toMatchObject({ outcome: 'ok' });
    expect(await ok('profiles.test', { url: emu().url, container: 'acme-prod', token })).toMatchObject({ outcome: 'ok' });
    const bad = await ok<{ id: string }>('profiles.save', { name: 'Echoing front', url: echoUrl, container: 'acme', token });

    // Errors that quote the Authorization header: discovery (kept in settings), a test, a list, an inspect.
    expect((await call('tenants.discover', { profileId: bad.id })).ok).toBe(false);
    expect(await ok('profiles.test', { id: bad.id })).toMatchObject({ outcome: 'bad_response' });
    expect((await call('webtasks.list', { profileId: bad.id, container: 'acme' })).ok).toBe(false);
    expect((await call('webtasks.inspect', { profileId: bad.id, container: 'acme', name: 'x' })).ok).toBe(false);
    expect((await call('exports.jobs', { profileId: bad.id, container: 'acme' })).ok).toBe(false);

    // Browse and inspect on the embedded profile.
    await ok('tenants.list', {});
    await ok('tenants.discover', {});
    await ok('webtasks.list', { container: 'acme-prod' });
    await ok('webtasks.inspect', { container: 'acme-prod', name: 'counter' });

    // Invoke: a body that echoes the token (sent as a query value: the cluster does not pass the Authorization
    // header on) across the 256 KiB view cut, whole, encoded, base64 and cut; then one small JSON body.
    const code = `module.exports = function (ctx, req, res) {
      const t = req.query.q;
      const auth = 'Bearer ' + t;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(262144 - 20) + ' ' + auth + ' | ' + encodeURIComponent(t) + ' | ' + Buffer.from(t).toString('base64') + ' | ' + t.slice(0, 20) + '… end');
    };`;
    expect((await api(emu(), '/api/webtask/acme-prod/echo-auth', { method: 'PUT', body: { code } })).status).toBeLessThan(300);
    const inv = await ok<{ status: number; body: { text: string; truncated: boolean } }>('webtasks.invoke', {
      container: 'acme-prod',
      name: 'echo-auth',
      method: 'POST',
      withProfileToken: true,
      query: [{ name: 'q', value: token }],
    });
    expect(inv.status).toBe(200);
    expect(inv.body.truncated, JSON.stringify(inv.body).slice(-400) + JSON.stringify(inv.body).length).toBe(true);
    const small = `module.exports = function (ctx, req, res) { const t = req.query.q; res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ full: t, enc: encodeURIComponent(t), b64: Buffer.from(t).toString('base64'), head: t.slice(0, 18) })); };`;
    expect((await api(emu(), '/api/webtask/acme-prod/echo-small', { method: 'PUT', body: { code: small } })).status).toBeLessThan(300);
    const inv2 = await ok<{ body: { text: string } }>('webtasks.invoke', {
      container: 'acme-prod',
      name: 'echo-small',
      method: 'GET',
      withProfileToken: true,
      query: [{ name: 'q', value: token }],
    });
    expect(inv2.body.text).toContain('[redacted]');
    await ok('webtasks.invoke', { container: 'acme-prod', name: 'counter', method: 'GET', withProfileToken: true });
    await ok('webtasks.history', { container: 'acme-prod', name: 'echo-auth' });
    // A refused path on the way.
    expect(
      (
        await call('webtasks.invoke', {
          container: 'acme-prod',
          name: 'counter',
          method: 'DELETE',
          path: '/%2e%2e/webtask/acme-prod/echo-small',
          withProfileToken: true,
        })
      ).ok,
    ).toBe(false);

    // A live tail whose lines quote the token, whole, encoded, base64, and cut.
    const opened = await ok<{ streamId: string }>('logs.open', { container: 'acme-prod', streamId: 'ls-leaksession' });
    await until(
      () => events.some((e) => e.topic === 'logs.status' && (e.payload as { state: string }).state === 'connected'),
      10_000,
      'tail connected',
    );
    const acks = setInterval(() => {
      const b = events.filter((e) => e.topic === 'logs.batch').at(-1)?.payload as { streamId: string; seq: number } | undefined;
      if (b) void call('logs.ack', { streamId: b.streamId, seq: b.seq });
    }, 50);
    try {
      emu().emitLog('acme-prod', { msg: `debug: Authorization: Bearer ${token}`, level: 30 });
      emu().emitLog('acme-prod', { msg: `url ?key=${encodeURIComponent(token)} b64 ${Buffer.from(token).toString('base64')}`, level: 40 });
      emu().emitLog('acme-prod', { msg: `cut here ${token.slice(0, 24)}`, level: 50 });
      emu().emitLog('acme-prod', { msg: 'last line', level: 30 });
      await until(() => seen.some((s) => s.includes('last line')), 10_000, 'the last line');
    } finally {
      clearInterval(acks);
    }
    await ok('logs.buffer', { streamId: opened.streamId });

    // A local export replay (its own credentials, events as it goes).
    const job = { container: 'acme-prod', name: 'logs-to-logstash' };
    const view = await ok<ExportJob>('exports.job', job);
    const ids = auth0Of(emu())!.tenant('acme-prod')!.allIds();
    const run = await ok<LocalRun>('exports.replayLocal', {
      ...job,
      from: ids[Math.max(0, ids.length - 20)]!,
      notify: false,
      confirm: { tenant: 'acme-prod', destination: view.destination.label },
    });
    await localRunDone(h.host.deps, run.runId);
    await ok('exports.history', job);

    // Lock (closes the tail), calls refused, unlock (the embedded profile comes back).
    expect(await ok('app.lock', {})).toMatchObject({ backend: 'locked' });
    expect((await call('webtasks.list', { container: 'acme-prod' })).ok).toBe(false);
    const unlocked = await ok<{ needToken: Array<{ profileId: string }> }>('app.unlock', {});
    expect(unlocked.needToken.map((n) => n.profileId).sort()).toEqual([bad.id, second.id].sort());
    expect(await ok('profiles.test', { id: 'local-emulator' })).toMatchObject({ outcome: 'ok' });
    await ok('audit.list', { limit: 500 });
    await ok('profiles.list', {});

    // The session did what it says: the token was on the wire and came back in bodies, lines and errors.
    expect(seen.join('\n')).toContain('[redacted]');
    const files = filesUnder(h.dataDir);
    expect(files.map((f) => f.path).some((p) => p.includes('invocations'))).toBe(true);
    const forbidden = forbiddenOf(token);
    for (const f of files) for (const piece of forbidden) expect(f.text.includes(piece), `${f.path} holds "${piece}"`).toBe(false);
    const wire = seen.join('\n');
    for (const piece of forbidden) expect(wire.includes(piece), `a WebSocket frame holds "${piece}"`).toBe(false);
    const printed = hostOutput.join('\n');
    for (const piece of forbidden) expect(printed.includes(piece), `the host printed "${piece}"`).toBe(false);
  } finally {
    consoleMethods.forEach((m, i) => (console[m] = originals[i]!));
    ws.close();
    await web.close();
    await h.close();
    await new Promise<void>((r) => {
      echo.closeAllConnections();
      echo.close(() => r());
    });
  }
}, 120_000);

/**
 * The browser host's keyring vault against a real Secret Service: a private D-Bus session bus with
 * gnome-keyring unlocked by a throwaway password (CI installs libsecret-tools, gnome-keyring, dbus).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost } from '../../core/host';
import { SecretToolVault, scopeOf } from '../../core/host/keyring-vault';
import { createNodeDeps } from '../../core/host/node-deps';
import { callOk, fixedServer, tempDir } from '../helpers/host';

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const available = have('secret-tool') && have('dbus-daemon') && have('gnome-keyring-daemon');

describe.skipIf(!available)('SecretToolVault on a real Secret Service', () => {
  const procs: ChildProcess[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const home = tempDir('esc-keyring-');
    // A private bus with no service directories: nothing is auto-activated, so the only keyring
    // daemon on it is the one started below with a known password.
    const config = join(home, 'bus.conf');
    writeFileSync(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=${home}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
    );
    const bus = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    procs.push(bus);
    const address = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('dbus-daemon gave no address')), 10_000);
      bus.stdout!.once('data', (d: Buffer) => {
        clearTimeout(t);
        resolve(d.toString().trim());
      });
    });
    env = { ...process.env, HOME: home, XDG_RUNTIME_DIR: home, DBUS_SESSION_BUS_ADDRESS: address };
    // --daemonize returns once the daemon is up and has unlocked (created) the login keyring. A
    // --foreground daemon would race with a second one the bus activates on the first request.
    const keyring = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--daemonize'], {
      env,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    keyring.stdin!.end('throwaway-password');
    const code = await new Promise<number | null>((resolve) => keyring.on('exit', resolve));
    expect(code).toBe(0);
    // Bounded wait until the daemon owns its bus name and has made the login collection from the
    // password (both take longer on a loaded machine): a store then succeeds.
    const probe = new SecretToolVault({ scope: 'readiness', env });
    for (let i = 0; i < 100; i++) {
      const ready = await probe.set('probe', 'ready', 'persistent').then(
        () => true,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await probe.delete('probe');
  }, 30_000);

  afterAll(() => {
    for (const p of procs) p.kill('SIGTERM');
  });

  it('probes reachable with a bus, unreachable without one', async () => {
    expect(await SecretToolVault.probe({ env })).toBe(true);
    const { DBUS_SESSION_BUS_ADDRESS: _gone, ...noBus } = env;
    expect(await SecretToolVault.probe({ env: { ...noBus, DISPLAY: '' } })).toBe(false);
  });

  it('stores in the keyring, survives a restart of the host, and forgets on delete', async () => {
    const a = new SecretToolVault({ scope: 'test-a', env });
    expect(a.status()).toEqual({ backend: 'os-keyring', persistent: true });
    await a.set('p1', 'keyring-token-\u00e9-123', 'persistent');
    const restarted = new SecretToolVault({ scope: 'test-a', env });
    expect(await restarted.get('p1')).toBe('keyring-token-\u00e9-123');
    expect(await restarted.storageOf('p1')).toBe('persistent');
    const otherScope = new SecretToolVault({ scope: 'test-b', env });
    expect(await otherScope.get('p1')).toBeUndefined();
    await restarted.delete('p1');
    expect(await new SecretToolVault({ scope: 'test-a', env }).get('p1')).toBeUndefined();
  });

  it('keeps session tokens out of the keyring, and lock drops what is in memory', async () => {
    const v = new SecretToolVault({ scope: 'test-c', env });
    await v.set('s', 'session-only-token', 'session');
    expect(await new SecretToolVault({ scope: 'test-c', env }).get('s')).toBeUndefined();
    await v.set('p', 'persistent-token-x', 'persistent');
    v.lock();
    expect(v.status().backend).toBe('locked');
    expect(await v.get('p')).toBeUndefined();
    v.unlock();
    expect(await v.get('p')).toBe('persistent-token-x');
    expect(await v.get('s')).toBeUndefined();
  });

  it('through the host: lock refuses, unlock reads the keyring again and names only the session-only profile', async () => {
    const server = await fixedServer(200, [{ name: 'hello', container: 'acme' }]);
    const dataDir = tempDir('esc-keyring-host-');
    try {
      const host = createHost(createNodeDeps({ dataDir, host: 'browser', vault: new SecretToolVault({ scope: scopeOf(dataDir), env }) }));
      const kept = await callOk<{ id: string; tokenStorage: string }>(host, 'profiles.save', {
        name: 'Kept',
        url: server.url,
        container: 'acme',
        token: 'keyring-host-token-1',
      });
      expect(kept.tokenStorage).toBe('persistent');
      const session = await callOk<{ id: string }>(host, 'profiles.save', {
        name: 'Session',
        url: server.url,
        container: 'acme',
        token: 'session-host-token-2',
        tokenStorage: 'session',
      });
      expect((await callOk<{ backend: string }>(host, 'app.lock', {})).backend).toBe('locked');
      await expect(callOk(host, 'profiles.test', { id: kept.id })).rejects.toThrow(/^locked:/);
      const unlocked = await callOk<{ needToken: Array<{ profileId: string; message: string }> }>(host, 'app.unlock', {});
      expect(unlocked.needToken).toEqual([
        { profileId: session.id, name: 'Session', message: expect.stringContaining('kept for this session only') },
      ]);
      expect(await callOk(host, 'profiles.test', { id: kept.id })).toMatchObject({ outcome: 'ok' });
      expect(server.requests.at(-1)?.auth).toBe('Bearer keyring-host-token-1');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await server.close();
    }
  });
});

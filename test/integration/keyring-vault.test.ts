/**
 * The browser host's keyring vault against a real Secret Service: a private D-Bus session bus with
 * gnome-keyring unlocked by a throwaway password (CI installs libsecret-tools, gnome-keyring, dbus).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretToolVault } from '../../shared/host/keyring-vault';
import { tempDir } from '../helpers/host';

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const available = have('secret-tool') && have('dbus-daemon') && have('gnome-keyring-daemon');

describe.skipIf(!available)('SecretToolVault on a real Secret Service', () => {
  const procs: ChildProcess[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const home = tempDir('esc-keyring-');
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    procs.push(bus);
    const address = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('dbus-daemon gave no address')), 10_000);
      bus.stdout!.once('data', (d: Buffer) => {
        clearTimeout(t);
        resolve(d.toString().trim());
      });
    });
    env = { ...process.env, HOME: home, XDG_RUNTIME_DIR: home, DBUS_SESSION_BUS_ADDRESS: address };
    const keyring = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--foreground'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    procs.push(keyring);
    keyring.stdin!.end('throwaway-password');
    // Bounded wait for the daemon to own its bus name.
    for (let i = 0; i < 50 && !(await SecretToolVault.probe({ env })); i++) await new Promise((r) => setTimeout(r, 100));
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
});

import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../core/host';
import { createNodeDeps } from '../../core/host/node-deps';
import { EncryptedVault, type BlobStore, type Cipher } from '../../core/host/vault';
import { callOk, tempDir } from '../helpers/host';

function fakes(backend: string, available = true) {
  let key = 7;
  const cipher: Cipher = {
    available: async () => available,
    backend: () => backend,
    encrypt: async (s) => Buffer.from([key, ...Buffer.from(s).map((b) => b ^ key)]),
    decrypt: async (blob) => {
      if (blob[0] !== key) throw new Error('cannot decrypt');
      return { result: Buffer.from(blob.subarray(1).map((b) => b ^ key)).toString(), shouldReEncrypt: false };
    },
  };
  const map = new Map<string, string>();
  const blobs: BlobStore = { get: (id) => map.get(id), set: (id, v) => void map.set(id, v), delete: (id) => void map.delete(id) };
  return { cipher, blobs, map, rotateKey: () => (key += 1) };
}

describe('EncryptedVault', () => {
  it('stores ciphertext only, and reads it back', async () => {
    const f = fakes('gnome_libsecret');
    const v = new EncryptedVault(f.cipher, f.blobs);
    await v.init();
    expect(v.status()).toEqual({ backend: 'os-keyring', persistent: true });
    await v.set('p1', 'secret-token-value', 'persistent');
    expect([...f.map.values()].join()).not.toContain('secret-token-value');
    const again = new EncryptedVault(f.cipher, f.blobs);
    await again.init();
    expect(await again.get('p1')).toBe('secret-token-value');
    expect(await again.storageOf('p1')).toBe('persistent');
  });

  it('says so on the basic_text backend', async () => {
    const f = fakes('basic_text');
    const v = new EncryptedVault(f.cipher, f.blobs);
    await v.init();
    expect(v.status().backend).toBe('weak');
    expect(v.status().warning).toMatch(/no keyring/);
  });

  it('treats a blob that no longer decrypts as no token', async () => {
    const f = fakes('gnome_libsecret');
    const v = new EncryptedVault(f.cipher, f.blobs);
    await v.init();
    await v.set('p1', 'secret-token-value', 'persistent');
    f.rotateKey();
    const fresh = new EncryptedVault(f.cipher, f.blobs);
    await fresh.init();
    expect(await fresh.get('p1')).toBeUndefined();
    expect(await fresh.storageOf('p1')).toBe('none');
  });

  it('keeps session tokens off the store, and lock drops what is in memory', async () => {
    const f = fakes('gnome_libsecret');
    const v = new EncryptedVault(f.cipher, f.blobs);
    await v.init();
    await v.set('s', 'session-token-value', 'session');
    await v.set('p', 'persistent-token-value', 'persistent');
    expect(f.map.has('s')).toBe(false);
    v.lock();
    expect(v.status().backend).toBe('locked');
    expect(await v.get('p')).toBeUndefined();
    v.unlock();
    expect(await v.get('p')).toBe('persistent-token-value');
    expect(await v.get('s')).toBeUndefined();
  });

  it('falls back to session storage when encryption is unavailable', async () => {
    const f = fakes('gnome_libsecret', false);
    const v = new EncryptedVault(f.cipher, f.blobs);
    await v.init();
    expect(v.status()).toMatchObject({ backend: 'session', persistent: false });
    await v.set('p', 'persistent-token-value', 'persistent');
    expect(f.map.size).toBe(0);
    expect(await v.storageOf('p')).toBe('session');
  });
});

describe('lock and unlock through the host, on the safeStorage vault', () => {
  it('refuses while locked; unlock decrypts the stored token again and names the session-only profile', async () => {
    const f = fakes('gnome_libsecret');
    const vault = new EncryptedVault(f.cipher, f.blobs);
    await vault.init();
    const dataDir = tempDir('esc-vault-host-');
    try {
      const host = createHost(createNodeDeps({ dataDir, host: 'test', vault }));
      const kept = await callOk<{ id: string }>(host, 'profiles.save', {
        name: 'Kept',
        url: 'http://127.0.0.1:1',
        container: 'c',
        token: 'stored-token-value-1',
      });
      const session = await callOk<{ id: string }>(host, 'profiles.save', {
        name: 'Session',
        url: 'http://127.0.0.1:1',
        container: 'c',
        token: 'session-token-value-2',
        tokenStorage: 'session',
      });
      await callOk(host, 'app.lock', {});
      await expect(callOk(host, 'profiles.test', { id: kept.id })).rejects.toThrow(/^locked:/);
      const unlocked = await callOk<{ backend: string; needToken: Array<{ profileId: string }> }>(host, 'app.unlock', {});
      expect(unlocked.backend).toBe('os-keyring');
      expect(unlocked.needToken.map((n) => n.profileId)).toEqual([session.id]);
      // The stored token was read (decrypted) again: the test goes on the wire (and finds nobody there).
      expect(await callOk(host, 'profiles.test', { id: kept.id })).toMatchObject({ outcome: 'unreachable' });
      expect(await callOk(host, 'profiles.test', { id: session.id })).toMatchObject({ outcome: 'no_token' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// Electron's half of the vault: safeStorage as the cipher, electron-store for the base64 blobs.
// The decisions (weak keyring, undecryptable blob, lock) live in core/host/vault.ts.
import { safeStorage } from 'electron';
import Store from 'electron-store';
import { EncryptedVault, type BlobStore, type Cipher } from '../core/host/vault';

export async function createVault(): Promise<EncryptedVault> {
  const cipher: Cipher = {
    available: () => safeStorage.isAsyncEncryptionAvailable(),
    backend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os'),
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: (blob) => safeStorage.decryptStringAsync(blob),
  };
  // Only ciphertext goes in here; electron-store's own encryptionKey would be obfuscation, not security.
  const store = new Store<Record<string, string>>({ name: 'tokens' });
  const blobs: BlobStore = {
    get: (id) => store.get(id),
    set: (id, b64) => store.set(id, b64),
    delete: (id) => store.delete(id),
  };
  const vault = new EncryptedVault(cipher, blobs);
  await vault.init();
  return vault;
}

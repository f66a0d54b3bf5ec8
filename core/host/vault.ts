/**
 * The token vault's logic, host-independent: Electron supplies the cipher (safeStorage) and the blob
 * store (electron-store); tests supply fakes. Keeping the decisions here means they are unit-tested
 * without Electron: what a weak keyring means, what an undecryptable blob means, what "lock" drops.
 */
import type { VaultStatus } from '../../common/contract';
import type { TokenStorage, TokenVault } from './deps';

export interface Cipher {
  /** Whether encryption works at all (after the app is ready). */
  available(): Promise<boolean>;
  /** Linux: the selected backend; 'basic_text' means a hard-coded key. Elsewhere 'os'. */
  backend(): string;
  encrypt(plain: string): Promise<Buffer>;
  decrypt(blob: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

export interface BlobStore {
  get(id: string): string | undefined;
  set(id: string, base64: string): void;
  delete(id: string): void;
}

export const WEAK_WARNING =
  'This system offers no keyring (the "basic_text" backend): a stored token would be encrypted with a key that is the same on every machine. ' +
  'Store it anyway, or keep it for this session only.';

export const LOCKED_STATUS: VaultStatus = {
  backend: 'locked',
  persistent: false,
  warning: 'Locked: stored tokens are not in memory until you unlock.',
};

/**
 * What every persistent vault keeps in memory, and what "lock" drops: tokens kept for this session
 * only, and decrypted copies of stored ones (so each call does not decrypt again).
 */
export abstract class MemoryLayer {
  protected readonly session = new Map<string, string>();
  protected readonly cache = new Map<string, string>();
  protected locked = false;

  /** A token already in memory: session-only first, then a decrypted copy. */
  protected inMemory(id: string): string | undefined {
    return this.session.get(id) ?? this.cache.get(id);
  }

  protected keepForSession(id: string, token: string): void {
    this.cache.delete(id);
    this.session.set(id, token);
  }

  protected remember(id: string, token: string): void {
    this.session.delete(id);
    this.cache.set(id, token);
  }

  protected forget(id: string): void {
    this.session.delete(id);
    this.cache.delete(id);
  }

  /** Drops every decrypted token from memory (session-only ones are gone for good). */
  lock(): void {
    this.locked = true;
    this.cache.clear();
    this.session.clear();
  }

  unlock(): void {
    this.locked = false;
  }

  isLocked(): boolean {
    return this.locked;
  }
}

export class EncryptedVault extends MemoryLayer implements TokenVault {
  private usable = false;

  constructor(
    private readonly cipher: Cipher,
    private readonly blobs: BlobStore,
  ) {
    super();
  }

  /** Call once the host is ready (Electron: after `app.whenReady()`). */
  async init(): Promise<void> {
    this.usable = await this.cipher.available().catch(() => false);
  }

  private get weak(): boolean {
    return this.cipher.backend() === 'basic_text';
  }

  status(): VaultStatus {
    if (this.locked) return LOCKED_STATUS;
    if (!this.usable)
      return {
        backend: 'session',
        persistent: false,
        warning: 'Encryption is not available on this system: tokens are kept for this session only.',
      };
    if (this.weak) return { backend: 'weak', persistent: true, warning: WEAK_WARNING };
    return { backend: 'os-keyring', persistent: true };
  }

  async storageOf(id: string): Promise<TokenStorage | 'none'> {
    if (this.session.has(id)) return 'session';
    if (this.blobs.get(id) === undefined) return 'none';
    // A blob that no longer decrypts (new keyring, another machine) counts as no token.
    return (await this.get(id)) === undefined && !this.locked ? 'none' : 'persistent';
  }

  async get(id: string): Promise<string | undefined> {
    if (this.locked) return undefined;
    const known = this.inMemory(id);
    if (known !== undefined) return known;
    const blob = this.blobs.get(id);
    if (blob === undefined || !this.usable) return undefined;
    try {
      const { result, shouldReEncrypt } = await this.cipher.decrypt(Buffer.from(blob, 'base64'));
      this.cache.set(id, result);
      if (shouldReEncrypt) this.blobs.set(id, (await this.cipher.encrypt(result)).toString('base64'));
      return result;
    } catch {
      return undefined;
    }
  }

  async set(id: string, token: string, storage: TokenStorage): Promise<void> {
    if (this.locked) throw new Error('The vault is locked.');
    if (storage === 'session' || !this.usable) {
      this.blobs.delete(id);
      this.keepForSession(id, token);
      return;
    }
    this.blobs.set(id, (await this.cipher.encrypt(token)).toString('base64'));
    this.remember(id, token);
  }

  async delete(id: string): Promise<void> {
    this.forget(id);
    this.blobs.delete(id);
  }
}

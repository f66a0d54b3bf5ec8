import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AuditEntry } from '../../common/contract';
import type { AuditLog, SettingsStore, TokenStorage, TokenVault } from './deps';
import type { VaultStatus } from '../../common/contract';
import type { Redactor } from '../util/redact';
import { LOCKED_STATUS, MemoryLayer } from './vault';

/** What anything the core writes to disk goes through: known secrets and anything token-shaped. */
export const forDisk = <T>(redactor: Redactor, value: T): T => redactor.deep(value, 'strict');

/**
 * Writes a file so that a crash leaves either the old or the new content, never half of one. The text
 * passes through the redactor on the way (strict: known tokens and anything token-shaped), so no caller
 * can write a token to disk by forgetting to.
 */
export function writeFileAtomic(path: string, data: string, redactor: Redactor, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, redactor.strict(data), { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Settings as one JSON file, for hosts without electron-store (browser host, command line, tests).
 * Values are redacted as they are set, so memory and disk hold the same, token-free, text.
 */
export class JsonFileSettings implements SettingsStore {
  private data: Record<string, unknown>;
  constructor(
    private readonly path: string,
    private readonly redactor: Redactor,
  ) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      this.data = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      this.data = {};
    }
  }
  get<T>(key: string, fallback: T): T {
    return Object.hasOwn(this.data, key) ? (structuredClone(this.data[key]) as T) : fallback;
  }
  set(key: string, value: unknown): void {
    this.data[key] = forDisk(this.redactor, structuredClone(value));
    writeFileAtomic(this.path, JSON.stringify(this.data, null, 2), this.redactor);
  }
}

/** Any other settings store (Electron's electron-store) with the same redaction on every write. */
export function redactedSettings(inner: SettingsStore, redactor: Redactor): SettingsStore {
  return { get: (key, fallback) => inner.get(key, fallback), set: (key, value) => inner.set(key, forDisk(redactor, value)) };
}

export class MemorySettings implements SettingsStore {
  private readonly data = new Map<string, unknown>();
  get<T>(key: string, fallback: T): T {
    return this.data.has(key) ? (structuredClone(this.data.get(key)) as T) : fallback;
  }
  set(key: string, value: unknown): void {
    this.data.set(key, structuredClone(value));
  }
}

/** Append-only JSON lines; a torn last line (crash mid-write) is skipped on read, never fatal. */
export class JsonlAuditLog implements AuditLog {
  constructor(
    private readonly path: string,
    private readonly redactor: Redactor,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }
  async append(entry: AuditEntry): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(forDisk(this.redactor, entry))}\n`, { mode: 0o600 });
  }
  async read(): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return [];
    }
    const out: AuditEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const parsed = AuditEntry.safeParse(JSON.parse(line));
        if (parsed.success) out.push(parsed.data);
      } catch {
        /* torn line */
      }
    }
    return out.reverse();
  }
}

/**
 * Tokens for this session only: nothing touches the disk. The browser host uses it when no OS keyring
 * is reachable, and so do tests. Lock drops them (they cannot come back: unlock says which profiles
 * need their token again) and refuses new ones until unlock.
 */
export class SessionVault extends MemoryLayer implements TokenVault {
  constructor(private readonly why = 'Tokens are kept in memory for this session only: you will be asked again after a restart.') {
    super();
  }
  status(): VaultStatus {
    return this.locked ? LOCKED_STATUS : { backend: 'session', persistent: false, warning: this.why };
  }
  async storageOf(id: string): Promise<TokenStorage | 'none'> {
    return this.session.has(id) ? 'session' : 'none';
  }
  async get(id: string): Promise<string | undefined> {
    return this.locked ? undefined : this.session.get(id);
  }
  async set(id: string, token: string): Promise<void> {
    if (this.locked) throw new Error('The vault is locked.');
    this.keepForSession(id, token);
  }
  async delete(id: string): Promise<void> {
    this.forget(id);
  }
}

export const dataFile = (dir: string, name: string) => join(dir, name);

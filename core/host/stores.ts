import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AuditEntry } from '../../common/contract';
import type { AuditLog, SettingsStore, TokenStorage, TokenVault } from './deps';
import type { VaultStatus } from '../../common/contract';

/** Writes a file so that a crash leaves either the old or the new content, never half of one. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data, { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Settings as one JSON file, for hosts without electron-store (browser host, command line, tests). */
export class JsonFileSettings implements SettingsStore {
  private data: Record<string, unknown>;
  constructor(private readonly path: string) {
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
    this.data[key] = structuredClone(value);
    writeFileAtomic(this.path, JSON.stringify(this.data, null, 2));
  }
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
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  async append(entry: AuditEntry): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
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
 * Tokens for this session only: nothing touches the disk. The browser host uses it (no OS keyring
 * reachable from plain Node), and so do tests.
 */
export class SessionVault implements TokenVault {
  private readonly tokens = new Map<string, string>();
  constructor(private readonly why = 'Tokens are kept in memory for this session only: you will be asked again after a restart.') {}
  status(): VaultStatus {
    return { backend: 'session', persistent: false, warning: this.why };
  }
  async storageOf(id: string): Promise<TokenStorage | 'none'> {
    return this.tokens.has(id) ? 'session' : 'none';
  }
  async get(id: string): Promise<string | undefined> {
    return this.tokens.get(id);
  }
  async set(id: string, token: string): Promise<void> {
    this.tokens.set(id, token);
  }
  async delete(id: string): Promise<void> {
    this.tokens.delete(id);
  }
  lock(): void {
    this.tokens.clear();
  }
  unlock(): void {}
}

export const dataFile = (dir: string, name: string) => join(dir, name);

import type { AuditEntry, EventPayload, Topic, VaultStatus } from '../../common/contract';
import type { Redactor } from '../util/redact';
import type { Flows } from './flows';

export type TokenStorage = 'persistent' | 'session';

/**
 * Where tokens live. Electron's is safeStorage + electron-store; the browser host's keeps them for the
 * session. Only the host reads tokens, and only core/webtask puts them on the wire.
 */
export interface TokenVault {
  status(): VaultStatus;
  /** Where a profile's token is now; 'none' also when a stored blob no longer decrypts. */
  storageOf(id: string): Promise<TokenStorage | 'none'>;
  get(id: string): Promise<string | undefined>;
  set(id: string, token: string, storage: TokenStorage): Promise<void>;
  delete(id: string): Promise<void>;
  /** Drops decrypted tokens from memory until `unlock` (session-only ones for good); `status()` then says `locked`. */
  lock(): void;
  /** Stored tokens may be read (decrypted) again. */
  unlock(): void;
}

/** Small JSON settings (profiles without tokens, tenants, UI preferences). */
export interface SettingsStore {
  get<T>(key: string, fallback: T): T;
  set(key: string, value: unknown): void;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  read(): Promise<AuditEntry[]>;
}

export interface HostInfo {
  name: string;
  version: string;
  host: 'electron' | 'browser' | 'test';
  platform: string;
  /** The OS user, recorded as "who" in audit entries. */
  user: string;
}

export interface HostDeps {
  info: HostInfo;
  vault: TokenVault;
  settings: SettingsStore;
  audit: AuditLog;
  redactor: Redactor;
  /** Running flows that hold a token (tails, replays, scans): lock closes them all. */
  flows: Flows;
  /** Where saved files go when the host writes them itself (headless hosts); UI hosts download instead. */
  dataDir: string;
  /** Set when the host started a local emulator and made a profile for it. */
  embedded?: { url: string; profileId: string };
  /** A native "save as" dialog; absent in the browser host, where the renderer downloads instead. */
  saveFile?: (suggestedName: string, content: string) => Promise<{ path: string } | null>;
  /** A native "save as" dialog that only picks the path (a tail recording writes it for a long time); null: cancelled. */
  pickSavePath?: (suggestedName: string) => Promise<string | null>;
  /** Asks the user, then opens an http(s) URL in the system browser; absent in the browser host. */
  openExternal?: (url: string) => Promise<boolean>;
  /**
   * Runs after `app.unlock`: the host re-provisions what it owns (the embedded emulator's token, which
   * the host process keeps itself, outside the vault, so a lock does not lose it for good).
   */
  onUnlock?: () => Promise<void>;
  /** Writes text to the system clipboard from the host; absent in the browser host (no clipboard of its own). */
  copyText?: (text: string) => void | Promise<void>;
  /** Timeouts for cluster requests, shortened in tests. */
  requestTimeoutMs?: number;
}

/** One connected renderer (a window, or a browser tab of the web host). Events go to the session that asked. */
export interface Session {
  readonly id: string;
  emit<T extends Topic>(topic: T, payload: EventPayload<T>): void;
  /** Runs when the renderer goes away: close its streams, cancel its runs. */
  onClose(fn: () => void): void;
}

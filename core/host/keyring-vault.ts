/**
 * The browser host's vault when an OS keyring is reachable: the Secret Service (GNOME Keyring,
 * KWallet) through libsecret's `secret-tool`. Plain Node has no safeStorage, and a native keyring
 * addon would need a compiler at install time; secret-tool is the documented command-line client.
 * Tokens go to it on stdin, never on a command line other processes could read.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { VaultStatus } from '../../common/contract';
import type { TokenStorage, TokenVault } from './deps';
import { LOCKED_STATUS, MemoryLayer } from './vault';

const SERVICE = 'extend-support-console';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SecretToolOptions {
  /** Separates data dirs (and test runs) that share one keyring. */
  scope: string;
  bin?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function run(
  bin: string,
  args: string[],
  input: string | undefined,
  env: NodeJS.ProcessEnv | undefined,
  timeoutMs: number,
): Promise<RunResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(bin, args, { env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    } catch {
      resolve({ code: -1, stdout: '', stderr: 'not found' });
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', () => resolve({ code: -1, stdout, stderr: stderr || 'not found' }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // secret-tool may exit before reading stdin (e.g. no bus): that is an answer, not a crash.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export const scopeOf = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 16);

export class SecretToolVault extends MemoryLayer implements TokenVault {
  private readonly bin: string;

  constructor(private readonly opts: SecretToolOptions) {
    super();
    this.bin = opts.bin ?? 'secret-tool';
  }

  /** Reachable when a lookup of a name that does not exist answers "not found" cleanly. */
  static async probe(opts: Omit<SecretToolOptions, 'scope'> = {}): Promise<boolean> {
    const r = await run(
      opts.bin ?? 'secret-tool',
      ['lookup', 'service', SERVICE, 'probe', String(Date.now())],
      undefined,
      opts.env,
      opts.timeoutMs ?? 3000,
    );
    return (r.code === 0 || r.code === 1) && r.stderr.trim() === '';
  }

  private attrs(id: string): string[] {
    return ['service', SERVICE, 'scope', this.opts.scope, 'profile', id];
  }

  private exec(args: string[], input?: string) {
    return run(this.bin, args, input, this.opts.env, this.opts.timeoutMs ?? 5000);
  }

  status(): VaultStatus {
    return this.locked ? LOCKED_STATUS : { backend: 'os-keyring', persistent: true };
  }

  async storageOf(id: string): Promise<TokenStorage | 'none'> {
    if (this.session.has(id)) return 'session';
    if (this.locked) return 'none';
    return (await this.get(id)) === undefined ? 'none' : 'persistent';
  }

  async get(id: string): Promise<string | undefined> {
    if (this.locked) return undefined;
    const known = this.inMemory(id);
    if (known !== undefined) return known;
    const r = await this.exec(['lookup', ...this.attrs(id)]);
    if (r.code !== 0 || r.stdout === '') return undefined;
    this.cache.set(id, r.stdout);
    return r.stdout;
  }

  async set(id: string, token: string, storage: TokenStorage): Promise<void> {
    if (this.locked) throw new Error('The vault is locked.');
    if (storage === 'session') {
      await this.exec(['clear', ...this.attrs(id)]);
      this.keepForSession(id, token);
      return;
    }
    const r = await this.exec(['store', `--label=Extend Support Console (${id})`, ...this.attrs(id)], token);
    if (r.code !== 0)
      throw new Error(`The system keyring refused to store the token (${r.stderr.trim().slice(0, 200) || `exit ${r.code}`}).`);
    this.remember(id, token);
  }

  async delete(id: string): Promise<void> {
    this.forget(id);
    await this.exec(['clear', ...this.attrs(id)]);
  }
}

/**
 * The diagnostics log on disk: JSON lines in `<dataDir>/diagnostics/`, bounded by a file cap with
 * rotation (`diagnostics.jsonl`, then `.1` ... `.N`; the oldest is deleted). Every write goes
 * through the redactor in strict mode, after every `token` field is removed, so nothing
 * token-shaped reaches the disk whatever a cluster put in its answer. Writes are queued one at a
 * time; a torn last line (crash mid-write) is skipped on read.
 */
import { mkdirSync } from 'node:fs';
import { appendFile, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DiagnosticsEntry, type DiagnosticsStore } from '../../common/contract';
import type { Redactor } from '../util/redact';
import { rotateFiles } from '../util/rotate';
import type { HostDeps } from './deps';

export const DEFAULT_FILE_CAP_BYTES = 8 * 1024 * 1024;
export const DEFAULT_KEEP_FILES = 3;
const BASE = 'diagnostics';

const fmtMb = (n: number) => (n >= 1048576 ? `${Math.round((n / 1048576) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`);

/** Removes every `token` field at any depth (webtask records carry one each) and returns a copy. */
export function dropTokenFields(v: unknown, depth = 0): unknown {
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => dropTokenFields(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k.toLowerCase() !== 'token') out[k] = dropTokenFields(x, depth + 1);
  return out;
}

export interface DiagnosticsLogOptions {
  dir: string;
  redactor: Redactor;
  fileCapBytes?: number;
  keepFiles?: number;
}

export class DiagnosticsLog {
  readonly dir: string;
  readonly fileCapBytes: number;
  readonly keepFiles: number;
  private readonly redactor: Redactor;
  private queue: Promise<unknown> = Promise.resolve();
  private activeSize: number | undefined;

  constructor(opts: DiagnosticsLogOptions) {
    this.dir = opts.dir;
    this.redactor = opts.redactor;
    this.fileCapBytes = opts.fileCapBytes ?? DEFAULT_FILE_CAP_BYTES;
    this.keepFiles = opts.keepFiles ?? DEFAULT_KEEP_FILES;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The active file first, then the rotated ones, newest to oldest. */
  files(): string[] {
    return [join(this.dir, `${BASE}.jsonl`), ...Array.from({ length: this.keepFiles }, (_, i) => join(this.dir, `${BASE}.${i + 1}.jsonl`))];
  }

  /** The line as it will be written: token fields dropped, strictly redacted. */
  serialize(entry: DiagnosticsEntry): string {
    return `${JSON.stringify(this.redactor.deep(dropTokenFields(entry), 'strict'))}\n`;
  }

  /**
   * Appends one entry. An entry that alone exceeds the file cap is shrunk by `shrink` (the caller
   * knows what can go: a discovery's page answers), so the cap holds.
   */
  append(entry: DiagnosticsEntry, shrink?: (e: DiagnosticsEntry, maxBytes: number) => DiagnosticsEntry): Promise<void> {
    const run = this.queue.then(async () => {
      let line = this.serialize(entry);
      if (Buffer.byteLength(line) > this.fileCapBytes && shrink) line = this.serialize(shrink(entry, this.fileCapBytes));
      const bytes = Buffer.byteLength(line);
      const [active] = this.files();
      this.activeSize ??= await sizeOf(active!);
      if (this.activeSize > 0 && this.activeSize + bytes > this.fileCapBytes) await this.rotate();
      await appendFile(active!, line, { mode: 0o600 });
      this.activeSize += bytes;
    });
    // One failed write must not block the ones after it; the caller still sees its own failure.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rotate(): Promise<void> {
    await rotateFiles(this.files());
    this.activeSize = 0;
  }

  /** Every entry, newest first (waits for queued writes). */
  async read(): Promise<DiagnosticsEntry[]> {
    await this.queue;
    const out: DiagnosticsEntry[] = [];
    for (const file of this.files()) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue;
      }
      const lines = text.split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i]!;
        if (!line) continue;
        try {
          const parsed = DiagnosticsEntry.safeParse(JSON.parse(line));
          if (parsed.success) out.push(parsed.data);
        } catch {
          /* torn line */
        }
      }
    }
    return out;
  }

  async clear(): Promise<number> {
    const n = (await this.read()).length;
    await (this.queue = this.queue.then(async () => {
      for (const f of this.files()) await rm(f, { force: true });
      this.activeSize = 0;
    }));
    return n;
  }

  async info(): Promise<DiagnosticsStore> {
    await this.queue;
    let used = 0;
    for (const f of this.files()) used += await sizeOf(f);
    const capBytes = this.fileCapBytes * (this.keepFiles + 1);
    return {
      usedBytes: used,
      fileCapBytes: this.fileCapBytes,
      keepFiles: this.keepFiles,
      capBytes,
      statement: `Kept on this machine, at most ${fmtMb(capBytes)}: the log starts a new file at ${fmtMb(this.fileCapBytes)} and keeps ${this.keepFiles} older file${this.keepFiles === 1 ? '' : 's'}; the oldest is deleted. Now ${fmtMb(used)}.`,
    };
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

// One log per host (the deps object), so the handlers need no new field in HostDeps.
const logs = new WeakMap<HostDeps, DiagnosticsLog>();

export function diagnosticsLogFor(deps: HostDeps): DiagnosticsLog {
  let log = logs.get(deps);
  if (!log) logs.set(deps, (log = new DiagnosticsLog({ dir: join(deps.dataDir, 'diagnostics'), redactor: deps.redactor })));
  return log;
}

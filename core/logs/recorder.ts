/**
 * Recording a tail to disk, for investigations that outlast the scrollback: every line the stream
 * reads (before the pane's flow control, so a paused or slow pane does not slow it) is appended to a
 * file as NDJSON, redacted like a saved file, with a size cap and rotation (`x.ndjson`, then
 * `x.1.ndjson` ... `x.N.ndjson`; the oldest is deleted). Writes are batched and run one at a time.
 *
 * One line: `{"time","container","n","kind", and "record" (the record as the save writes it) | "raw" |
 * "marker" (a gap or a console note)}`.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { RECORD_FILE_CAP_BYTES, RECORD_FLUSH_BYTES, RECORD_FLUSH_MS, RECORD_KEEP_FILES } from '../../common/logs-flow';
import { rotateFiles } from '../util/rotate';
import type { QueuedLine } from './stream';

export interface RecorderOptions {
  path: string;
  container: string;
  /** Known secrets out of the text, as a save does. */
  redact: (text: string) => string;
  fileCapBytes?: number;
  /** Older files kept besides the active one. */
  keepFiles?: number;
  /** A write failed: recording stops and the caller says so. */
  onError?: (e: Error) => void;
}

export interface RecorderStats {
  path: string;
  lines: number;
  bytes: number;
  /** Files started so far (1 + rotations). */
  files: number;
  capBytes: number;
  keepFiles: number;
  error?: string;
}

/** The rotated file names, newest to oldest: `logs.ndjson` -> `logs.1.ndjson`, `logs.2.ndjson`... */
export function rotatedPaths(path: string, keepFiles: number): string[] {
  const ext = extname(path);
  const stem = join(dirname(path), basename(path, ext));
  return [path, ...Array.from({ length: keepFiles }, (_, i) => `${stem}.${i + 1}${ext}`)];
}

// Records of one burst share their millisecond: the last time formatted is remembered.
let lastT = NaN;
let lastIso = '';
const isoOf = (t: number): string => (t === lastT ? lastIso : ((lastT = t), (lastIso = new Date(t).toISOString())));

/** One recorded line (no newline). `full` is the save's form: a record's JSON, or the raw line, controls escaped. */
export function recordLine(q: QueuedLine, container: string, now = Date.now()): string {
  const l = q.line;
  const head = `{"time":"${isoOf(l.t ?? now)}","container":${JSON.stringify(container)},"n":${l.n},"kind":"${l.kind}"`;
  // A record's JSON may hold a newline only as whitespace (inside strings it is escaped): a space keeps it one line.
  if (l.kind === 'rec') return `${head},"record":${q.full.includes('\n') ? q.full.replace(/\n/g, ' ') : q.full}}`;
  if (l.kind === 'raw') return `${head},"raw":${JSON.stringify(q.full)}}`;
  return `${head},"marker":${q.full}}`;
}

export class LogRecorder {
  readonly path: string;
  readonly fileCapBytes: number;
  readonly keepFiles: number;
  private readonly o: RecorderOptions;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private fh: FileHandle | undefined;
  private size = 0;
  private stopped = false;
  private readonly stats: Omit<RecorderStats, 'path' | 'capBytes' | 'keepFiles'> = { lines: 0, bytes: 0, files: 1 };

  private constructor(o: RecorderOptions) {
    this.o = o;
    this.path = o.path;
    this.fileCapBytes = o.fileCapBytes ?? RECORD_FILE_CAP_BYTES;
    this.keepFiles = o.keepFiles ?? RECORD_KEEP_FILES;
  }

  /** Opens (appends to) the file; rejects when it cannot be written. */
  static async start(o: RecorderOptions): Promise<LogRecorder> {
    const r = new LogRecorder(o);
    r.fh = await open(r.path, 'a', 0o600);
    r.size = (await stat(r.path)).size;
    return r;
  }

  /** One line the stream read. Cheap: serialised now, written in batches. */
  add(q: QueuedLine): void {
    if (this.stopped) return;
    // A merged tail's lines name their own container.
    const s = recordLine(q, q.line.container ?? this.o.container);
    this.pending.push(s);
    this.pendingBytes += s.length;
    if (this.pendingBytes >= RECORD_FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), RECORD_FLUSH_MS);
  }

  status(): RecorderStats {
    const s: RecorderStats = { path: this.path, capBytes: this.fileCapBytes, keepFiles: this.keepFiles, ...this.stats };
    return s;
  }

  /** Writes what waits, closes the file; resolves with the final counts. */
  async stop(): Promise<RecorderStats> {
    if (!this.stopped) {
      this.flush();
      this.stopped = true;
      this.chain = this.chain.then(async () => {
        await this.fh?.close();
        this.fh = undefined;
      });
    }
    await this.chain;
    return this.status();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.stopped) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(() => this.write(lines)).catch((e: unknown) => this.fail(e));
  }

  private async write(lines: string[]): Promise<void> {
    if (!this.fh) return;
    // Redacted as one text (lines hold no newline, and a redaction adds none), then cut at line ends only where the cap falls.
    const text = `${this.o.redact(lines.join('\n'))}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.size + bytes <= this.fileCapBytes) return this.append(text, bytes, lines.length);
    let chunk = '';
    let chunkBytes = 0;
    let n = 0;
    for (const line of text.slice(0, -1).split('\n')) {
      const lb = Buffer.byteLength(line) + 1;
      if (this.size + chunkBytes + lb > this.fileCapBytes && this.size + chunkBytes > 0) {
        if (chunk) await this.append(chunk, chunkBytes, n);
        await this.rotate();
        chunk = '';
        chunkBytes = 0;
        n = 0;
      }
      chunk += `${line}\n`;
      chunkBytes += lb;
      n++;
    }
    if (chunk) await this.append(chunk, chunkBytes, n);
  }

  private async append(text: string, bytes: number, lines: number): Promise<void> {
    await this.fh!.appendFile(text);
    this.size += bytes;
    this.stats.bytes += bytes;
    this.stats.lines += lines;
  }

  private async rotate(): Promise<void> {
    await this.fh!.close();
    this.fh = undefined;
    await rotateFiles(rotatedPaths(this.path, this.keepFiles));
    this.fh = await open(this.path, 'a', 0o600);
    this.size = 0;
    this.stats.files++;
  }

  private fail(e: unknown): void {
    if (this.stats.error !== undefined) return;
    const byCaller = this.stopped;
    this.stopped = true;
    this.stats.error = e instanceof Error ? e.message : String(e);
    void this.fh?.close().catch(() => undefined);
    this.fh = undefined;
    // A stop already under way sees the error in its result.
    if (!byCaller) this.o.onError?.(e instanceof Error ? e : new Error(String(e)));
  }
}

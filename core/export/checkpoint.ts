import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { LOG_ID } from '../../common/checkpoint';

/** Where a job keeps the id of the last log known delivered. */
export interface CheckpointStore {
  load(): Promise<string | null>;
  save(checkpoint: string): Promise<void>;
}

export class MemoryCheckpointStore implements CheckpointStore {
  constructor(public value: string | null = null) {}
  async load() {
    return this.value;
  }
  async save(checkpoint: string) {
    this.value = checkpoint;
  }
}

const MAX_CHECKPOINT_BYTES = 64 * 1024;

/**
 * A checkpoint file that cannot be read as one. The run stops rather than guess: starting from
 * the oldest log would re-send everything, starting from the newest would skip logs. The file is
 * left as it is (never overwritten silently); the message names it and the two ways out.
 */
export class CheckpointFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `the checkpoint file ${file} ${reason}, so the run cannot tell where to start. Either start after a known log with --from CHECKPOINT ` +
        `(e.g. the nextCheckpoint of the last report), or move the file away (mv ${file} ${file}.bad) to start from the oldest log. The file was left as it is.`,
    );
    this.name = 'CheckpointFileError';
  }
}

/** What is wrong with a checkpoint file's bytes, or the id it holds. Never quotes the content. */
export function checkpointFileProblem(bytes: Buffer): string | { id: string } {
  if (bytes.length === 0) return 'is empty';
  if (bytes.length > MAX_CHECKPOINT_BYTES) return `is larger than ${MAX_CHECKPOINT_BYTES} bytes (a checkpoint file holds about 100)`;
  if (bytes.includes(0) || !isUtf8(bytes)) return 'is binary, not JSON';
  const text = bytes.toString('utf8');
  if (text.trim() === '') return 'holds only blanks';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'is not valid JSON (truncated?)';
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return `holds ${data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`}, not {"checkpointId": "<56 digits>"}`;
  const id = (data as { checkpointId?: unknown }).checkpointId;
  if (typeof id !== 'string' || !LOG_ID.test(id)) return 'does not hold a checkpoint (a "checkpointId" of 56 digits)';
  return { id };
}

/**
 * A checkpoint in `<dir>/checkpoint.json`, replaced atomically: written to a temp file,
 * fsynced, renamed over the old one, then the directory fsynced, so a process killed at any
 * instant leaves either the old or the new checkpoint, never a torn file.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly file: string;
  private seq = 0;
  private checked = false;
  /** Where an unreadable checkpoint file was moved before the first save replaced it (a run given --from). */
  setAside: string | null = null;
  constructor(
    readonly dir: string,
    private readonly opts: { log?: (line: string) => void } = {},
  ) {
    this.file = join(dir, 'checkpoint.json');
  }

  async load(): Promise<string | null> {
    let bytes: Buffer;
    try {
      const fh = await open(this.file, 'r');
      try {
        // A checkpoint file is ~100 bytes; reading more than this of something else helps no one.
        const buf = Buffer.alloc(MAX_CHECKPOINT_BYTES + 1);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        bytes = buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const what = checkpointFileProblem(bytes);
    if (typeof what === 'string') throw new CheckpointFileError(this.file, what);
    return what.id;
  }

  async save(checkpoint: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (!this.checked) {
      this.checked = true;
      // A run started with --from never read the old file: an unreadable one is kept aside, not replaced unseen.
      const old = await this.load().then(
        () => null,
        (e: unknown) => (e instanceof CheckpointFileError ? e : null),
      );
      if (old) {
        this.setAside = `${this.file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(this.file, this.setAside);
        this.opts.log?.(`the checkpoint file ${this.file} ${old.reason}; it was moved to ${this.setAside} and a new one written`);
      }
    }
    const tmp = `${this.file}.${process.pid}.${++this.seq}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify({ checkpointId: checkpoint, savedAt: new Date().toISOString() }));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } catch {
      // Some file systems refuse fsync on a directory; the rename itself is still atomic.
    } finally {
      await d.close();
    }
  }
}

/** A store over webtask storage, keeping the old extensions' `{checkpointId}` field and any other data. */
export function storageCheckpointStore(storage: { get(): Promise<unknown>; set(v: unknown): Promise<void> }): CheckpointStore {
  return {
    async load() {
      const data = await storage.get();
      const id = data && typeof data === 'object' ? (data as { checkpointId?: unknown }).checkpointId : undefined;
      return typeof id === 'string' && id ? id : null;
    },
    async save(checkpoint) {
      const data = await storage.get();
      const base = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
      await storage.set({ ...base, checkpointId: checkpoint });
    },
  };
}

import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

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

/**
 * A checkpoint in `<dir>/checkpoint.json`, replaced atomically: written to a temp file,
 * fsynced, renamed over the old one, then the directory fsynced, so a process killed at any
 * instant leaves either the old or the new checkpoint, never a torn file.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly file: string;
  private seq = 0;
  constructor(readonly dir: string) {
    this.file = join(dir, 'checkpoint.json');
  }

  async load(): Promise<string | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const data = JSON.parse(text) as { checkpointId?: unknown };
    if (typeof data.checkpointId !== 'string' || !/^\d{56}$/.test(data.checkpointId)) {
      throw new Error(`${this.file} does not hold a checkpoint: delete it or pass --from CHECKPOINT`);
    }
    return data.checkpointId;
  }

  async save(checkpoint: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
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

import { rename, rm } from 'node:fs/promises';

/**
 * Shifts a set of rotated files by one: the last (oldest) is deleted, each other one takes the next
 * name, and the first name is free for a new file. `files` is the active file first, then the older
 * ones, newest to oldest; names that do not exist yet are skipped.
 */
export async function rotateFiles(files: string[]): Promise<void> {
  await rm(files[files.length - 1]!, { force: true });
  for (let i = files.length - 2; i >= 0; i--) {
    try {
      await rename(files[i]!, files[i + 1]!);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { StoreFileHandle, StoreFs } from './storeFs';

/** The fsync policy of a store, and a count of the syncs it made (for stats and tests). */
export class Syncer {
  count = 0;
  constructor(
    readonly enabled: boolean,
    readonly fs: StoreFs,
  ) {}

  /**
   * fdatasync: flushes the file's data and the metadata needed to read it back (its size), which is all an
   * append needs; cheaper than a full fsync, which would also flush timestamps.
   */
  async data(handle: StoreFileHandle): Promise<void> {
    if (!this.enabled) return;
    this.count++;
    await handle.datasync();
  }

  /** A new or renamed directory entry is only durable once the directory itself is fsync'd. */
  async directory(dir: string): Promise<void> {
    if (!this.enabled) return;
    this.count++;
    const handle = await this.fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** `write` may write less than asked; loop until every byte is at its place. */
export async function writeFully(handle: StoreFileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

const TEMP_SUFFIX = '.tmp';

/**
 * Replaces (or creates) `dir/name` with `bytes` (or its parts, in order), so that a crash at any point leaves either the old file
 * or the new one, whole:
 * 1. write a temp file in the same directory (same file system, so the rename is atomic) and fsync it:
 *    its data must be on disk before the rename makes it visible under the real name;
 * 2. rename it over the target (atomic: readers see the old or the new inode, never a mix);
 * 3. fsync the directory, so the rename itself survives a crash before we acknowledge anything.
 * A crash before step 2 only leaves a stray temp file, removed by `removeTempFiles` at the next start.
 */
export async function replaceFileAtomically(
  syncer: Syncer,
  dir: string,
  name: string,
  bytes: Buffer | readonly Buffer[],
) {
  const temp = join(dir, `pending-${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
  try {
    const handle = await syncer.fs.open(temp, 'wx');
    try {
      // Parts are written one after the other (no concatenated copy of a big log).
      let position = 0;
      for (const part of Buffer.isBuffer(bytes) ? [bytes] : bytes) {
        await writeFully(handle, part, position);
        position += part.length;
      }
      await syncer.data(handle);
    } finally {
      await handle.close();
    }
    await syncer.fs.rename(temp, join(dir, name));
  } catch (error) {
    await syncer.fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await syncer.directory(dir);
}

/** Creates the store directory if missing, durably (the new entries are fsync'd in their parents). */
export async function ensureDirectory(syncer: Syncer, dir: string): Promise<void> {
  const firstCreated = await syncer.fs.mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  for (let created = dir; ; created = dirname(created)) {
    await syncer.directory(dirname(created));
    if (created === firstCreated || dirname(created) === created) break;
  }
}

/** Temp files of compactions cut short by a crash: never part of a log, safe to delete at start. */
export async function removeTempFiles(fs: StoreFs, dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith('pending-') && name.endsWith(TEMP_SUFFIX))
      await fs.rm(join(dir, name), { force: true });
  }
}

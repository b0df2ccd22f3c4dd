import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFileAtomically, type Syncer, writeFully } from './durableFiles';
import { decodeLogFile, encodeLogFile } from './logFormat';
import type { StoredResource } from './types';

/** What loading cut off a log: the bytes after the last good frame, and why the next frame was rejected. */
export interface LogRepair {
  path: string;
  file: string;
  keptBytes: number;
  droppedBytes: number;
  reason: string;
}

/**
 * The log file of one resource. Not safe for concurrent calls: the store runs every call for a resource
 * through that resource's CommitQueue, one at a time.
 *
 * Invariant: while `handle` is open, the file holds exactly `size` bytes of good frames. With no handle, the
 * file on disk is the truth and is re-read (and its bad tail cut) before the next write.
 */
export class ResourceLog {
  private handle: FileHandle | undefined;
  private size = 0;
  private appended = 0;
  /** Set when a write or fsync failed: what the OS now holds is unknown, so appends stop until a reload. */
  private failure: unknown;

  constructor(
    private readonly dir: string,
    readonly fileName: string,
    private readonly path: string,
    private readonly syncer: Syncer,
    private readonly onRepair: (repair: LogRepair) => void,
  ) {}

  /** Bytes of version frames appended since the last compaction (kept across restarts by the header). */
  get appendedBytes(): number {
    return this.appended;
  }

  /**
   * Reads the whole log, cuts it after the last good frame (a torn or corrupt tail never stays in front of
   * new appends, where it would hide them from every later load), and returns what was good.
   */
  async load(): Promise<StoredResource | undefined> {
    await this.close();
    this.failure = undefined;
    let handle: FileHandle;
    try {
      handle = await open(join(this.dir, this.fileName), 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const bytes = await handle.readFile();
      const { goodBytes, appendedBytes, base, records, stoppedBecause } = decodeLogFile(bytes, this.path);
      if (bytes.length > goodBytes) {
        await handle.truncate(goodBytes);
        // Make the cut durable now: otherwise a crash could bring the bad tail back behind later appends.
        await this.syncer.data(handle);
      }
      this.handle = handle;
      this.size = goodBytes;
      this.appended = appendedBytes;
      if (stoppedBecause) {
        const file = join(this.dir, this.fileName);
        const droppedBytes = bytes.length - goodBytes;
        this.onRepair({ path: this.path, file, keptBytes: goodBytes, droppedBytes, reason: stoppedBecause });
      }
      return base ? { base, records } : { records };
    } catch (error) {
      if (this.handle !== handle) await handle.close();
      throw error;
    }
  }

  /** Writes the frames with one write and one fsync; resolves once they are durable. */
  async append(frames: Buffer[]): Promise<void> {
    if (this.failure)
      throw new Error(`an earlier write of this log failed; reload it`, { cause: this.failure });
    const handle = await this.open();
    const bytes = frames.length === 1 ? frames[0] : Buffer.concat(frames);
    try {
      await writeFully(handle, bytes, this.size);
      await this.syncer.data(handle);
    } catch (error) {
      // After a failed fsync the page cache may say the data is there while the disk does not: do not
      // write past it (later frames would sit behind a hole). Stop here; a reload re-reads and cuts the file.
      this.failure = error;
      await this.close();
      throw error;
    }
    this.size += bytes.length;
    this.appended += bytes.length;
  }

  /**
   * Replaces the log with `bytes`, a whole log file from encodeLogFile (temp file + fsync + rename +
   * directory fsync: a crash leaves the old file or the new one, never a mix).
   */
  async replace(bytes: Buffer): Promise<void> {
    // Close first: nothing is pending (the queue runs us alone), and the handle would point at the old inode.
    await this.close();
    await replaceFileAtomically(this.syncer, this.dir, this.fileName, bytes);
    this.failure = undefined;
    this.handle = await open(join(this.dir, this.fileName), 'r+');
    this.size = bytes.length;
    this.appended = 0;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** The open handle; on first use, recovers the existing file or creates an empty log. */
  private async open(): Promise<FileHandle> {
    if (!this.handle && !(await this.load())) await this.replace(encodeLogFile(this.path, { records: [] }));
    return this.handle!;
  }
}

import { join } from 'node:path';
import { LoopTurn } from '../loopTurn';
import { replaceFileAtomically, type Syncer, writeFully } from './durableFiles';
import { decodeLogFileInTurns, encodeLogFile } from './logFormat';
import type { FileHolder, OpenFiles } from './openFiles';
import type { StoreFileHandle } from './storeFs';
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
 * Invariant once the file was read (`known`): its first `size` bytes are good frames, every one of them
 * acknowledged (durable). The handle may be closed at any time between operations (OpenFiles, `release`):
 * reopening trusts `size` and reads nothing. After a failed write or fsync (ENOSPC, EIO) whatever lies past
 * `size` is unknown: it is cut off (and the cut fsync'd) before anything else touches the log, so the next
 * write goes right after the last acknowledged frame and a write answered as failed never comes back.
 */
export class ResourceLog implements FileHolder {
  private handle: StoreFileHandle | undefined;
  private size = 0;
  private appended = 0;
  private known = false;
  /** Set when a write or fsync failed and the tail past `size` is not cut yet. */
  private failure: unknown;
  busy = false;

  constructor(
    private readonly dir: string,
    readonly fileName: string,
    private readonly path: string,
    private readonly syncer: Syncer,
    private readonly openFiles: OpenFiles,
    private readonly onRepair: (repair: LogRepair) => void,
  ) {}

  /** Bytes of version frames appended since the last compaction (kept across restarts by the header). */
  get appendedBytes(): number {
    return this.appended;
  }

  private get file(): string {
    return join(this.dir, this.fileName);
  }

  /**
   * Reads the whole log, cuts it after the last good frame (a torn or corrupt tail never stays in front of
   * new appends, where it would hide them from every later load), and returns what was good.
   */
  load(): Promise<StoredResource | undefined> {
    return this.operation(() => this.loadNow());
  }

  private async loadNow(): Promise<StoredResource | undefined> {
    if (this.failure !== undefined) await this.cutTail();
    await this.closeHandle();
    let handle: StoreFileHandle;
    try {
      handle = await this.syncer.fs.open(this.file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.known = false;
        return undefined;
      }
      throw error;
    }
    try {
      const bytes = await handle.readFile();
      const decoded = await decodeLogFileInTurns(bytes, this.path, new LoopTurn());
      const { goodBytes, appendedBytes, base, records, stoppedBecause } = decoded;
      if (bytes.length > goodBytes) {
        await handle.truncate(goodBytes);
        // Make the cut durable now: otherwise a crash could bring the bad tail back behind later appends.
        await this.syncer.data(handle);
      }
      this.adopt(handle);
      this.size = goodBytes;
      this.appended = appendedBytes;
      this.known = true;
      if (stoppedBecause) {
        const droppedBytes = bytes.length - goodBytes;
        this.onRepair({
          path: this.path,
          file: this.file,
          keptBytes: goodBytes,
          droppedBytes,
          reason: stoppedBecause,
        });
      }
      return base ? { base, records } : { records };
    } catch (error) {
      if (this.handle !== handle) await handle.close();
      throw error;
    }
  }

  /** Writes the frames with one write and one fsync; resolves once they are durable. */
  append(frames: Buffer[]): Promise<void> {
    return this.operation(async () => {
      const handle = await this.writableHandle();
      const bytes = frames.length === 1 ? frames[0] : Buffer.concat(frames);
      try {
        await writeFully(handle, bytes, this.size);
        await this.syncer.data(handle);
      } catch (error) {
        // After a failed write or fsync the page cache may hold part of these frames, or all of them without
        // the disk having them: nothing past `size` can be trusted. Cut it now (the frames were not
        // acknowledged, so they must not reappear on a later load); if even that fails, before the next call.
        this.failure = error;
        await this.cutTail().catch(() => {});
        throw error;
      }
      this.size += bytes.length;
      this.appended += bytes.length;
    });
  }

  /**
   * Replaces the log with `bytes`, a whole log file from encodeLogFile (temp file + fsync + rename +
   * directory fsync: a crash leaves the old file or the new one, never a mix).
   */
  replace(bytes: Buffer | readonly Buffer[]): Promise<void> {
    return this.operation(() => this.replaceNow(bytes));
  }

  /** Closes the file (the log reopens it when used again). */
  async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.openFiles.forget(this);
    await handle?.close();
  }

  close(): Promise<void> {
    return this.closeHandle();
  }

  private async replaceNow(bytes: Buffer | readonly Buffer[]): Promise<void> {
    // Close first: nothing is pending (the queue runs us alone), and the handle would point at the old inode.
    await this.closeHandle();
    await replaceFileAtomically(this.syncer, this.dir, this.fileName, bytes);
    this.failure = undefined;
    this.size = Buffer.isBuffer(bytes) ? bytes.length : bytes.reduce((sum, part) => sum + part.length, 0);
    this.appended = 0;
    this.known = true;
  }

  /** The handle to append with: the tail verified and cut after a failure, the file read or created once. */
  private async writableHandle(): Promise<StoreFileHandle> {
    if (this.failure !== undefined) await this.cutTail();
    if (!this.known) {
      const existing = await this.loadNow();
      if (!existing) await this.replaceNow(encodeLogFile(this.path, { records: [] }));
    }
    if (!this.handle) this.adopt(await this.syncer.fs.open(this.file, 'r+'));
    return this.handle!;
  }

  /**
   * Verifies that the first `size` bytes still read back as good frames, cuts everything after them and
   * fsyncs the cut. Throws (and the log keeps failing) when even the acknowledged part no longer reads back:
   * that is damage the server must not write over.
   */
  private async cutTail(): Promise<void> {
    await this.closeHandle();
    const handle = await this.syncer.fs.open(this.file, 'r+');
    try {
      const bytes = await handle.readFile();
      const kept =
        bytes.length >= this.size
          ? await decodeLogFileInTurns(bytes.subarray(0, this.size), this.path, new LoopTurn())
          : undefined;
      if (!kept || kept.goodBytes !== this.size) {
        throw new Error(
          `the acknowledged part of the log of ${JSON.stringify(this.path)} no longer reads back (${bytes.length} bytes on disk, ${this.size} acknowledged)`,
          { cause: this.failure },
        );
      }
      if (bytes.length > this.size) {
        await handle.truncate(this.size);
        await this.syncer.data(handle);
        this.onRepair({
          path: this.path,
          file: this.file,
          keptBytes: this.size,
          droppedBytes: bytes.length - this.size,
          reason: `a failed write left ${bytes.length - this.size} unacknowledged bytes`,
        });
      } else if (bytes.length === this.size) {
        // Nothing of the failed write is visible; still make sure the file's state is on disk.
        await this.syncer.data(handle);
      }
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    this.failure = undefined;
    this.adopt(handle);
  }

  private adopt(handle: StoreFileHandle): void {
    this.handle = handle;
    this.openFiles.touch(this);
  }

  /** Marks the log busy while `run` runs, so that OpenFiles does not close its handle under it. */
  private async operation<T>(run: () => Promise<T>): Promise<T> {
    this.busy = true;
    try {
      return await run();
    } finally {
      this.busy = false;
    }
  }
}

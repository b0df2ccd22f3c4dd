import { resolve } from 'node:path';
import { LoopTurn, runInTurns } from '../loopTurn';
import { CommitQueue } from './commitQueue';
import { ensureDirectory, removeTempFiles, Syncer } from './durableFiles';
import { encodeLogFileInTurns, versionFrameInSteps } from './logFormat';
import { OpenFiles } from './openFiles';
import { resourceFileName } from './resourceFileName';
import { type LogRepair, ResourceLog } from './resourceLog';
import { nodeStoreFs, type StoreFs } from './storeFs';
import type { BraidStore, StoredResource, VersionRecord } from './types';

export interface FileStoreOptions {
  /**
   * fsync every batch before acknowledging it (default true). Off only for tests and throwaway data: the
   * write order and the torn-tail checks stay, but an OS crash or power loss can lose acknowledged writes.
   */
  fsync?: boolean;
  /**
   * Called when loading cut a torn or corrupt tail off a log. Default: a console warning. A torn last
   * frame is the normal trace of a crash mid-write; a bad frame in the middle means the disk or someone
   * else damaged the file, and everything from it on was dropped (it cannot be trusted).
   */
  onRepair?: (repair: LogRepair) => void;
  /**
   * Most log files open at once (default 128): past it the least recently used idle log is closed, and
   * reopened (without re-reading it) on its next write. Keeps a store with many pattern paths under the
   * process's fd limit.
   */
  maxOpenFiles?: number;
  /**
   * The file-system calls the store makes (default: `node:fs/promises`). A seam for fault-injection tests:
   * wrap it to fail one write with ENOSPC or one fsync with EIO.
   */
  fs?: StoreFs;
}

export interface FileStoreStats {
  /** Appends acknowledged as durable. */
  appends: number;
  /** Append batches written (one write + one fdatasync each). */
  batches: number;
  /** Largest number of appends written by one batch. */
  largestBatch: number;
  /** fsync/fdatasync calls of any kind: batches, cut tails, compactions/creations and their directory. */
  fsyncs: number;
  compactions: number;
  /** Log files open right now (at most `maxOpenFiles`, plus logs busy at this instant). */
  openFiles: number;
}

export interface FileStore extends BraidStore {
  /** The absolute directory of the logs. */
  readonly dir: string;
  /** The log file of a resource path, inside `dir` (see resourceFileName). */
  fileOf(path: string): string;
  stats(): FileStoreStats;
}

/**
 * The embedded default store: one append-only, checksummed log file per resource in `dir`.
 *
 * - `append` resolves once its frame is written and fdatasync'd. Group commit: appends to a resource that
 *   arrive while its previous batch is being written and synced are written together by the next batch, with
 *   one write and one fsync. Resources are independent (each file needs its own fsync anyway), so a slow
 *   fsync on one does not hold back the others.
 * - Every call for a resource (append batches, load, compact) runs in call order, one at a time.
 * - `load` cuts a torn or corrupt tail off the file (see FileStoreOptions.onRepair) and returns the rest.
 * - A write or fsync error fails that batch (its appends reject; none of them was acknowledged). The log then
 *   verifies that its acknowledged part still reads back and cuts whatever the failed write left after it
 *   (fsync'd), so the failed frames never reappear and the next append goes right after the last
 *   acknowledged one. If the disk is still failing, the next append fails too and the repair is tried again.
 * - At most `maxOpenFiles` log files are open; `release(path)` closes one and forgets it.
 * - One process per directory: there is no lock against two stores writing the same files.
 */
export function fileStore(dir: string, options: FileStoreOptions = {}): FileStore {
  const root = resolve(dir);
  const syncer = new Syncer(options.fsync ?? true, options.fs ?? nodeStoreFs);
  const onRepair = options.onRepair ?? warnRepair;
  const openFiles = new OpenFiles(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
  const resources = new Map<
    string,
    { log: ResourceLog; queue: CommitQueue<Buffer>; writeFrames: (frames: Buffer[]) => Promise<void> }
  >();
  /** Logs of released paths, closing (close() waits for them). */
  const releasing = new Set<Promise<void>>();
  const counts = { appends: 0, batches: 0, largestBatch: 0, compactions: 0 };
  let closing: Promise<void> | undefined;

  // Started now, awaited by every file operation (inside the queues, so calls keep their order).
  const ready = ensureDirectory(syncer, root).then(() => removeTempFiles(syncer.fs, root));
  ready.catch(() => {}); // reported by the operations that await it

  function resource(path: string) {
    let entry = resources.get(path);
    if (!entry) {
      const log = new ResourceLog(root, resourceFileName(path), path, syncer, openFiles, onRepair);
      const writeFrames = async (frames: Buffer[]) => {
        await ready;
        await log.append(frames);
        counts.appends += frames.length;
        counts.batches++;
        counts.largestBatch = Math.max(counts.largestBatch, frames.length);
      };
      entry = { log, queue: new CommitQueue<Buffer>(writeFrames), writeFrames };
      resources.set(path, entry);
    }
    return entry;
  }

  function checkOpen(path: string): void {
    if (closing) throw new Error(`fileStore(${JSON.stringify(root)}) is closed (${JSON.stringify(path)})`);
  }

  return {
    dir: root,

    async load(path: string): Promise<StoredResource | undefined> {
      checkOpen(path);
      const { log, queue } = resource(path);
      return queue.exclusive(async () => {
        await ready;
        return log.load();
      });
    },

    append(path: string, record: VersionRecord): Promise<void> {
      try {
        checkOpen(path);
        const { queue, writeFrames } = resource(path);
        // Encoded now, in the caller's turn: a record that cannot be stored fails alone, not its batch.
        const steps = versionFrameInSteps(record);
        const first = steps.next();
        if (first.done) return queue.append(first.value);
        // A big record (its frame would hold the loop): encoded in turns, from now on, and written in its own
        // place in the queue (alone: its failure is its own too).
        // (In a turn of the queue from the start: the caller's own turn may just have run long.)
        const turn = new LoopTurn();
        const frame = turn.queueBeforeBigStep().then(() => runInTurns(steps, turn));
        frame.catch(() => {}); // (reported by the append)
        return queue.exclusive(async () => writeFrames([await frame]));
      } catch (error) {
        return Promise.reject(error);
      }
    },

    logSize(path: string): number {
      return resources.get(path)?.log.appendedBytes ?? 0;
    },

    async compact(path: string, state: StoredResource): Promise<void> {
      checkOpen(path);
      // `state` as the caller holds it at this call, even if its arrays grow afterwards (the appends made
      // after this call follow the compaction; they must not also be inside it). Encoded in the queue, in
      // turns that give the event loop back (a big history is tens of ms per MiB to encode).
      const snapshot: StoredResource = { ...state, records: state.records.slice() };
      const { log, queue } = resource(path);
      await queue.exclusive(async () => {
        await ready;
        await log.replace(await encodeLogFileInTurns(path, snapshot, new LoopTurn()));
        counts.compactions++;
      });
    },

    release(path: string): void {
      const entry = resources.get(path);
      if (!entry) return;
      // Forgotten now: a later call for the path makes a new log, which re-reads the file. This one closes
      // after whatever was queued on it (the server releases idle resources only, so usually nothing).
      resources.delete(path);
      const closed = entry.queue
        .exclusive(() => entry.log.close())
        .catch(() => {})
        .finally(() => releasing.delete(closed));
      releasing.add(closed);
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.all([...resources.values()].map(({ queue }) => queue.idle()));
        await Promise.all([...resources.values()].map(({ log }) => log.close()));
        await Promise.all([...releasing]);
        await openFiles.settled();
      })();
      return closing;
    },

    fileOf(path: string): string {
      return resolve(root, resourceFileName(path));
    },

    stats(): FileStoreStats {
      return { ...counts, fsyncs: syncer.count, openFiles: openFiles.size };
    },
  };
}

const DEFAULT_MAX_OPEN_FILES = 128;

function warnRepair({ path, file, keptBytes, droppedBytes, reason }: LogRepair): void {
  console.warn(
    `braid-live fileStore: cut ${droppedBytes} bytes off the log of ${JSON.stringify(path)} (${file}) ` +
      `after byte ${keptBytes}: ${reason}`,
  );
}

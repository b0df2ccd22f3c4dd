import type { JsonPatch } from '@braid-live/core/protocol';
import type { SharedLog } from '../cluster/sharedLog';

/** One accepted version of a resource, as the server applied it (absolute indices, already transformed). */
export interface VersionRecord {
  /** The version id (the writer's `Version`, or a server-made one). */
  version: string;
  /** The head this version was applied on (the previous version in the linear history). */
  parents: string[];
  /** Patches relative to `parents`. A snapshot write is one patch with range '' (the whole document). */
  patches: JsonPatch[];
  /** Who wrote it (the `Peer` header, or 'server' for server-side writes), when (ms since epoch). */
  peer?: string;
  time: number;
  /** The digest of the write as its writer sent it (resource/knownVersions.ts): a retry has the same one. */
  digest?: string;
}

/** The durable state of one resource: a base value (after compaction) followed by the versions after it. */
export interface StoredResource {
  /**
   * Value at `base.version` ([] = the resource's initial value, before any version). `seq` is its position in a
   * shared log (versions before it); stores that are not shared leave it out.
   */
  base?: { version: string[]; value: unknown; seq?: number };
  records: VersionRecord[];
}

/**
 * Durable, append-only history per resource. The server owns the in-memory state; a store only has to keep
 * what it was given, in order, and give it back after a restart.
 */
export interface BraidStore {
  /**
   * Everything stored for the resource at `path`, or undefined if nothing was ever stored. A file store cuts
   * a torn or corrupt tail here and returns only the good records before it.
   */
  load(path: string): Promise<StoredResource | undefined>;
  /**
   * Resolves only once the record is durable (fsync'd for a file store). Records arrive in history order and
   * are stored in call order. Rejects for a record that JSON cannot carry back with a valid shape, and after
   * `close()`. A rejected append may or may not be in the log after a restart (it was not acknowledged).
   */
  append(path: string, record: VersionRecord): Promise<void>;
  /**
   * Bytes appended since the last compaction (the server compacts past a threshold). Known once the resource
   * was loaded or written by this store (0 before); a file store keeps it across restarts.
   */
  logSize(path: string): number;
  /**
   * Atomically replace the stored history with `base` followed by `records` (a crash leaves the old or the
   * new history, never a mix). Runs after the appends called before it; appends called after it follow it.
   */
  compact(path: string, state: StoredResource): Promise<void>;
  /**
   * Optional. The server dropped the resource at `path` from memory (it was idle: no subscriber, no write in
   * progress). The store may free what it holds for it (the file store closes its log file). Called with no
   * call for `path` pending; the next call for `path` will be a `load`. Nothing stored is affected.
   */
  release?(path: string): void;
  /** Waits for pending writes, then releases files. Idempotent; later calls reject. */
  close(): Promise<void>;
  /**
   * Present on a store that several server nodes share (redisStore): the server then appends with a
   * compare-and-set and follows the log for other nodes' versions (cluster/sharedLog.ts), instead of `append`.
   */
  readonly shared?: SharedLog;
}

import type { VersionRecord } from '../store/types';

/**
 * What a store shared by several server nodes adds to `BraidStore` (DESIGN.md "Many nodes"). The log of a
 * resource is one total order; every version has a position `seq` in it (1 = the first version ever accepted;
 * 0 = the initial state). Nodes append with a compare-and-set on the head position and follow the log to see
 * the versions other nodes appended.
 */
export interface SharedLog {
  /**
   * Appends `record` as version `baseSeq + 1`, only if the log's head is still `baseSeq` (the state the node
   * rebased the write onto). Resolves once the shared log has made it durable, with its position.
   * Rejects with `HeadMovedError` (another node appended first: carries the versions after `baseSeq`),
   * `VersionTakenError` (the Version is already in the log), or `SharedLogUnavailableError`.
   */
  appendAt(path: string, baseSeq: number, record: VersionRecord, digest: string): Promise<{ seq: number }>;
  /**
   * Stores a snapshot of the state at `seq` and drops the log entries it covers (a newer snapshot wins).
   * Resuming from a dropped version gets a snapshot, as on one node.
   */
  snapshot(path: string, base: { seq: number; version: string[]; value: unknown }): Promise<void>;
  /**
   * Delivers, in log order, the versions after the position last loaded or delivered for `path` (no gap, no
   * duplicate across reconnects), until the returned function (or the store's `release(path)`) is called. `onLost` is called when the
   * connection to the log is lost (deliveries resume from where they stopped once it is back).
   */
  follow(path: string, handlers: FollowHandlers): () => void;
  /** False while the node cannot reach the shared log: writes, reads and subscriptions are refused (503). */
  readonly available: boolean;
}

export interface FollowHandlers {
  onVersions(versions: readonly SeqRecord[]): void;
  onLost(): void;
  /**
   * The shared log no longer has what this node holds for the resource (Redis restarted without its data,
   * or failed over to a replica that missed writes: the resource's log incarnation changed or its head went
   * back). The node must drop its copy at once: end its subscriptions (clients reconnect and get what the log
   * has now) and forget the resource, so that its next use loads it again. Its follow has already ended.
   */
  onReset(reason: string): void;
}

export interface SeqRecord {
  seq: number;
  record: VersionRecord;
}

/** Another node appended first. `missed` are the versions after the position the write was rebased onto. */
export class HeadMovedError extends Error {
  override name = 'HeadMovedError';
  constructor(readonly missed: readonly SeqRecord[]) {
    super('the shared log moved on: another node appended first');
  }
}

/** The Version is already in the shared log; `digest` is the digest of the write that took it. */
export class VersionTakenError extends Error {
  override name = 'VersionTakenError';
  constructor(
    readonly version: string,
    readonly digest: string,
  ) {
    super(`version ${JSON.stringify(version)} is already in the shared log`);
  }
}

/** The shared log cannot be reached (connection lost, timeout, replicas did not confirm): nothing was acknowledged. */
export class SharedLogUnavailableError extends Error {
  override name = 'SharedLogUnavailableError';
}

/**
 * The shared log lost versions this node had for the resource (see `FollowHandlers.onReset`): the write was
 * not applied, the node dropped its copy, and a retry runs on what the log has now (503 + Retry-After).
 */
export class SharedLogDataLossError extends SharedLogUnavailableError {
  override name = 'SharedLogDataLossError';
}

import { appendShared, sharedLogUnavailable } from '../cluster/appendShared';
import { type SeqRecord, SharedLogUnavailableError } from '../cluster/sharedLog';
import { reasonOf } from '../errors';
import type { ServerContext } from '../serverContext';
import type { StoredResource as StoredState, VersionRecord } from '../store/types';
import type { ResourceChange } from '../types';
import { ResourceError } from './resourceError';
import { SerialQueue } from './serialQueue';
import type { ResourceBounds } from './serverResource';

/**
 * What a JSON resource (ServerResource) and a text resource (text/TextResource) share: their write queue, the
 * hold the registry keeps on them while in use, their part of the server's resident memory, whether the store
 * holds anything for them (the pattern quota counts it), loading from the store, storing a version, following
 * the shared log (ingest, reload), in-process listeners, and compaction. The history itself, reads and writes
 * are each kind's own.
 */
export abstract class StoredResourceBase {
  /** Writes (and compactions) run here one at a time. */
  protected readonly queue = new SerialQueue();
  /** Requests and API calls using this resource right now: it is not evicted while any is in progress. */
  protected users = 0;
  /** Whether the store has anything for this path (false until its first write is stored). */
  protected hasStoredState = false;
  /** This resource's part of `memory` (estimated bytes), as last reported. */
  private resident = 0;
  private detached = false;
  private compactionQueued = false;
  /** About how many bytes the last compaction stored (its records and root), as the caller estimated. */
  private compactedBytes = 0;

  constructor(
    readonly path: string,
    protected readonly ctx: ServerContext,
    protected readonly bounds: ResourceBounds,
  ) {}

  /** In-process listeners (braid.subscribe): the whole state first, then every version. */
  protected readonly listeners = new Set<(change: ResourceChange) => void>();

  /** Only for ResourceRegistry.with, which pairs every retain with its release. */
  retain(): void {
    this.users++;
  }

  /** Only for ResourceRegistry.with. */
  release(): void {
    this.users--;
  }

  /** Nothing holds this resource: it can be dropped from memory and reloaded from the store later. */
  get isIdle(): boolean {
    return (
      this.users === 0 && this.subscriberCount === 0 && this.listeners.size === 0 && this.queue.size === 0
    );
  }

  abstract get subscriberCount(): number;

  /** Estimated bytes this resource holds (see `estimateBytes`). */
  get residentBytes(): number {
    return this.resident;
  }

  /** Dropped from the registry: gives its bytes back and stops reporting. */
  detach(): void {
    this.detached = true;
    this.bounds.memory.adjust(-this.resident);
    this.resident = 0;
  }

  /** Resolves once every write queued so far is done. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** On a node cut off from the shared log, reads and subscriptions are refused (it may be behind): 503. */
  assertServing(): void {
    const shared = this.ctx.store.shared;
    if (shared && !shared.available) throw sharedLogUnavailable();
  }

  /** In-process listener: called now with the current state, then for every new version. */
  listen(listener: (change: ResourceChange) => void): () => void {
    this.listeners.add(listener);
    this.notify(listener, this.headChange());
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The bytes this resource holds now, estimated cheaply (reported after every change). */
  protected abstract estimateBytes(): number;

  /** The head as a change without parents: what a listener hears first, and after a reload. */
  protected abstract headChange(): ResourceChange;

  /** The linear position of the head (in the shared log, on several nodes). */
  protected abstract get headSeq(): number;

  /** Applies a version of the shared log at the head and fans it out; throws when it does not apply there. */
  protected abstract applyLogged(record: VersionRecord): void;

  /** Replaces the history with what the store holds (a reload from the shared log). */
  protected abstract restart(stored: StoredState | undefined): void;

  /** Ends every subscription stream (each reconnects from its version, or reloads). */
  protected abstract closeStreams(): void;

  protected notify(listener: (change: ResourceChange) => void, change: ResourceChange): void {
    try {
      listener(change);
    } catch (error) {
      this.ctx.reportError(error, `braid.subscribe listener of ${JSON.stringify(this.path)}`);
    }
  }

  /**
   * Several nodes: versions other nodes append reach this one through the log, in log order, applied in the
   * write queue like local writes (so a write never rebases onto a head that moves under it). (The registry's
   * store.release(path) on eviction stops it.)
   */
  protected followShared(): void {
    this.ctx.store.shared?.follow(this.path, {
      onVersions: (versions) => void this.queue.run(() => this.ingest(versions)),
      onLost: () => this.closeStreams(),
      onReset: () => {
        this.closeStreams();
        this.ctx.registry.forget(this.path, this);
      },
    });
  }

  /**
   * Versions from the shared log (another node's, or ones a lost append brought back), applied and fanned out
   * in order. Positions already here are skipped; a gap (this node fell behind a trim, or the log was reset)
   * reloads the resource instead of guessing.
   */
  protected async ingest(versions: readonly SeqRecord[]): Promise<void> {
    for (const { seq, record } of versions) {
      if (seq <= this.headSeq) continue;
      if (seq !== this.headSeq + 1) return this.reload();
      try {
        this.applyLogged(record);
      } catch (error) {
        this.ctx.reportError(
          error,
          `applying version ${seq} of ${JSON.stringify(this.path)} from the shared log`,
        );
        return this.reload();
      }
      this.noteStored();
      this.reportResident();
    }
  }

  /**
   * Starts over from the shared log (after a gap). Subscribers are ended (they resume with Parents and get what
   * they miss, or a snapshot); in-process listeners get the whole state, as on their first call.
   */
  protected async reload(): Promise<void> {
    let stored: StoredState | undefined;
    try {
      stored = await this.loadStored();
    } catch (error) {
      this.ctx.reportError(error, `reloading ${JSON.stringify(this.path)} from the shared log`);
      this.closeStreams();
      return;
    }
    this.restart(stored);
    this.reportResident();
    this.closeStreams();
    const state = this.headChange();
    for (const listener of this.listeners) this.notify(listener, state);
  }

  /**
   * The durable step of a write: 'stored', or nothing was applied. On a shared log a compare-and-set append at
   * `headSeq`: 'moved' when another node got there first (the versions missed are taken in here: position the
   * write again), 'duplicate' when the log has this very write (`writeId`), a ResourceError (503 after
   * `attempt` lost races, 409 for a Version taken by another write) otherwise; on a store of our own an append
   * ('store-failed' when it fails). The first version of a pattern path takes a place in its quota (403).
   */
  protected async storeVersion(
    record: VersionRecord,
    headSeq: number,
    writeId: string,
    attempt: number,
  ): Promise<'stored' | 'moved' | 'duplicate'> {
    const undoReservation = this.hasStoredState ? undefined : this.bounds.quota?.reserve(this.path);
    const shared = this.ctx.store.shared;
    if (!shared) {
      try {
        await this.ctx.store.append(this.path, record);
      } catch (error) {
        undoReservation?.();
        this.ctx.reportError(error, `store.append(${JSON.stringify(this.path)})`);
        throw new ResourceError(
          'store-failed',
          `the write could not be stored, so it was not applied: ${reasonOf(error)}`,
          { cause: error },
        );
      }
      this.hasStoredState = true;
      return 'stored';
    }
    let outcome: Awaited<ReturnType<typeof appendShared>>;
    try {
      outcome = await appendShared(shared, this.path, headSeq, record, writeId, attempt, (e, c) =>
        this.ctx.reportError(e, c),
      );
    } catch (error) {
      undoReservation?.();
      throw error;
    }
    if (outcome.kind === 'appended') {
      this.hasStoredState = true;
      return 'stored';
    }
    undoReservation?.(); // (a lost race gives its place back: the next attempt reserves again)
    if (outcome.kind === 'moved') {
      // Nothing missed although the head moved: this node is ahead of the log (it was reset). Start over.
      if (outcome.missed.length === 0) await this.reload();
      else await this.ingest(outcome.missed);
    }
    return outcome.kind;
  }

  /** Re-estimates the bytes held and reports the change to the server's resident memory. */
  protected reportResident(): void {
    if (this.detached) return;
    const bytes = this.estimateBytes();
    this.bounds.memory.adjust(bytes - this.resident);
    this.resident = bytes;
  }

  /** The store has something for this path now (its pattern's quota counts it once). */
  protected noteStored(): void {
    if (this.hasStoredState) return;
    this.hasStoredState = true;
    this.bounds.quota?.noteStored(this.path);
  }

  /** What the store has for this path (a shared log out of reach: 503 with a reason). */
  protected async loadStored(): Promise<StoredState | undefined> {
    try {
      return await this.ctx.store.load(this.path);
    } catch (error) {
      throw error instanceof SharedLogUnavailableError ? sharedLogUnavailable(error) : error;
    }
  }

  /**
   * Compaction runs in the write queue (no append interleaves with it), after the write that made it due:
   * a shared log gets a snapshot at the root (it trims what the snapshot covers), a store of our own the root
   * and the versions after it.
   *
   * Due once the log has grown past compactAfterBytes and past what the last compaction stored (`bytes`, when
   * the caller can tell it cheaply): a compaction rewrites the whole history kept, so with big versions (2.8 MB
   * each, a history of tens of MB) compacting every compactAfterBytes would cost the writes many times over;
   * this way it costs about as much as what was appended since (as Redis's AOF rewrite at 100% growth).
   */
  protected compactIfDue(
    state: () => {
      root: { seq: number; version: string[]; value: unknown };
      records: () => VersionRecord[];
      bytes?: number;
    },
  ): void {
    const threshold = Math.max(this.ctx.limits.compactAfterBytes, this.compactedBytes);
    if (this.compactionQueued || this.ctx.store.logSize(this.path) <= threshold) return;
    this.compactionQueued = true;
    void this.queue.run(async () => {
      try {
        const { root, records, bytes } = state();
        const shared = this.ctx.store.shared;
        // (A shared log keeps its bound: its snapshot holds the root only, and Redis memory is what it bounds.)
        this.compactedBytes = shared ? 0 : (bytes ?? 0);
        if (shared) await shared.snapshot(this.path, root);
        else
          await this.ctx.store.compact(this.path, {
            base: { version: root.version, value: root.value },
            records: records(),
          });
      } catch (error) {
        // The log is still whole (compaction replaces it atomically): keep going, try again after later writes.
        this.ctx.reportError(error, `store.compact(${JSON.stringify(this.path)})`);
      } finally {
        this.compactionQueued = false;
      }
    });
  }
}

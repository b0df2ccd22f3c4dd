import { sharedLogUnavailable } from '../cluster/appendShared';
import { SharedLogUnavailableError } from '../cluster/sharedLog';
import type { ServerContext } from '../serverContext';
import type { StoredResource as StoredState, VersionRecord } from '../store/types';
import { SerialQueue } from './serialQueue';
import type { ResourceBounds } from './serverResource';

/**
 * What a JSON resource (ServerResource) and a text resource (text/TextResource) share: their write queue, the
 * hold the registry keeps on them while in use, their part of the server's resident memory, whether the store
 * holds anything for them (the pattern quota counts it), loading from the store, and compaction. The history
 * itself, reads and writes are each kind's own.
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

  constructor(
    readonly path: string,
    protected readonly ctx: ServerContext,
    protected readonly bounds: ResourceBounds,
  ) {}

  /** Only for ResourceRegistry.with, which pairs every retain with its release. */
  retain(): void {
    this.users++;
  }

  /** Only for ResourceRegistry.with. */
  release(): void {
    this.users--;
  }

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

  /** The bytes this resource holds now, estimated cheaply (reported after every change). */
  protected abstract estimateBytes(): number;

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
   */
  protected compactIfDue(
    state: () => {
      root: { seq: number; version: string[]; value: unknown };
      records: () => VersionRecord[];
    },
  ): void {
    if (this.compactionQueued || this.ctx.store.logSize(this.path) <= this.ctx.limits.compactAfterBytes)
      return;
    this.compactionQueued = true;
    void this.queue.run(async () => {
      try {
        const { root, records } = state();
        const shared = this.ctx.store.shared;
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

import type { JsonPatch } from '../protocol/types';
import type { BraidError } from './BraidError';
import type { WriteFacts } from './machine/writeMachine';

/** One `set` call waiting for the server: settled when the write that carries it is confirmed or dropped. */
export interface WriteWaiter {
  resolve(): void;
  reject(error: BraidError): void;
}

/**
 * The one write sent and not yet seen back on the subscription (patches relative to `confirmed`). Its phase, id
 * and request change only through the write machine (`applyWriteEvent`).
 */
export interface InflightWrite extends WriteFacts {
  patches: JsonPatch[];
  /** How many `set` calls it holds. */
  count: number;
  /** The `set` calls it carries, settled with it. */
  waiters: WriteWaiter[];
}

/** What an incoming update did besides changing the confirmed state. */
export interface Reception {
  /** How many local patches vanished in the transform (overridden by concurrent edits). */
  dropped: number;
  /** `set` calls whose every patch was overridden: nothing of them will reach the server. */
  overridden: WriteWaiter[];
}

/**
 * The local state of a resource that has made no edit: what the server sent, shown as it is (view = confirmed).
 * A resource starts with it; its write path (an on-demand chunk) replaces it with an OptimisticState, which
 * keeps the fields and adds the write in flight and the buffered edits. The fields are the ones persistence
 * saves and restores. It takes snapshots only: applying patches (applyJsonPatch) is the write path's code, so
 * an update with patches waits for that chunk (ClientResource.subscribeOnce).
 */
export class ReadState {
  confirmed?: { version: string[]; value: unknown };
  inflight: InflightWrite | null = null;
  buffer: JsonPatch[] = [];
  bufferCount = 0;
  /** The `set` calls whose edits are in the buffer. */
  bufferWaiters: WriteWaiter[] = [];
  view: unknown = undefined;

  get loaded(): boolean {
    return this.confirmed !== undefined;
  }

  get pending(): number {
    return (this.inflight?.count ?? 0) + this.bufferCount;
  }

  /**
   * A snapshot: the first value, or a fresh state after a resume the server could not serve as a delta. (With
   * the write path loaded, OptimisticState keeps the identity of what did not change; here it is new.)
   */
  receiveSnapshot(version: string[], value: unknown): Reception {
    this.confirmed = { version, value };
    this.view = value;
    return { dropped: 0, overridden: [] };
  }
}

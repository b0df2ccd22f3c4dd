import { applyJsonPatches, resolveJsonPatches } from '../protocol/applyJsonPatch';
import { appendComposed } from '../protocol/composePatches';
import { diffJson } from '../protocol/diffJson';
import { invertPatches } from '../protocol/invertPatches';
import { transformPatchLists } from '../protocol/transform';
import type { JsonPatch } from '../protocol/types';
import { newWrite, type WriteEvent, type WritePhase, writeReducer } from './machine/writeMachine';
import { type InflightWrite, ReadState, type Reception, type WriteWaiter } from './ReadState';

export type { InflightWrite, Reception, WriteWaiter } from './ReadState';

/** Moves a write through the write machine (the reducer decides; this records the decision on the write). */
export function applyWriteEvent(write: InflightWrite, event: WriteEvent): InflightWrite {
  const next = writeReducer(write, event);
  if (next !== write) Object.assign(write, next);
  return write;
}

/**
 * The client side of the consistency scheme (DESIGN.md section 5), without I/O:
 * confirmed (the server's state) + inflight (one write) + buffer (writes since) = view (what the UI sees).
 * Incoming updates are bridged past inflight and buffer with the shared transform, and applied to the view
 * directly, so unchanged parts of the view keep their identity.
 */
export class OptimisticState extends ReadState {
  /** Told of every phase change of a write (for onEvent). */
  onWritePhase?: (write: InflightWrite, from: WritePhase, cause: WriteEvent['type']) => void;

  /** Moves a write through the write machine, telling onWritePhase. */
  writeEvent(write: InflightWrite, event: WriteEvent): void {
    const from = write.phase;
    applyWriteEvent(write, event);
    if (write.phase !== from) this.onWritePhase?.(write, from, event.type);
  }

  /** The write path of a resource that has only read so far: the same state, from now on with edits. */
  static from(state: ReadState): OptimisticState {
    return Object.assign(new OptimisticState(), state);
  }

  /**
   * A local edit (already applied to produce `next`), shown at once. Composed into the buffer (no argument
   * spreading: a change may hold any number of patches), so the buffer grows with what changed.
   */
  localEdit(next: unknown, patches: JsonPatch[], waiter?: WriteWaiter): void {
    this.view = next;
    appendComposed(this.buffer, patches);
    if (waiter) this.bufferWaiters.push(waiter);
    if (this.buffer.length) {
      this.bufferCount++;
      return;
    }
    // Edits that cancel out (typed, then deleted) leave nothing to send, so nothing pending: they are settled
    // with the write in flight (the state they return to), or at once.
    this.bufferCount = 0;
    const waiters = this.bufferWaiters;
    this.bufferWaiters = [];
    if (this.inflight) this.inflight.waiters.push(...waiters);
    else for (const w of waiters) w.resolve();
  }

  /** Moves the buffer into flight when nothing is in flight (at most `maxPatches` patches per write). */
  takeWrite(newId: () => string, maxPatches = 1000): InflightWrite | null {
    if (this.inflight || this.buffer.length === 0 || !this.confirmed) return null;
    const id = newId();
    const patches = this.buffer.length > maxPatches ? this.buffer.splice(0, maxPatches) : this.buffer;
    const whole = patches === this.buffer;
    const count = whole ? this.bufferCount : 1;
    // A buffer split over several writes settles its `set` calls with the last part.
    const waiters = whole ? this.bufferWaiters : [];
    if (whole) {
      this.buffer = [];
      this.bufferCount = 0;
      this.bufferWaiters = [];
    }
    this.inflight = { ...newWrite(id), patches, count, waiters };
    return this.inflight;
  }

  /**
   * A patch update from the subscription, in server order. Returns whether it was our inflight write's echo, and
   * how many local patches vanished in the transform (overridden by concurrent edits).
   */
  receivePatches(version: string[], patches: JsonPatch[]): Reception & { ours: boolean } {
    const base = this.confirmed!;
    // Resolve relative indices (`[-0:-0]`...) against the state the server applied them to.
    const resolved = resolveJsonPatches(base.value, patches);
    this.confirmed = { version, value: resolved.value };
    if (this.inflight && version.length === 1 && version[0] === this.inflight.id) {
      // Our write, as the server applied it: view already equals confirmed + buffer.
      this.confirmInflight('echo');
      return { ours: true, dropped: 0, overridden: [] };
    }
    return { ours: false, ...this.bridge(resolved.patches) };
  }

  /**
   * A snapshot: the first value, or a fresh state after a resume the server could not serve as a delta.
   * An acked inflight write is part of it (it was acknowledged before this subscription began); an unacked one
   * is not, and is re-based onto it.
   */
  override receiveSnapshot(version: string[], value: unknown): Reception {
    if (!this.confirmed) {
      this.confirmed = { version, value };
      this.view = value;
      return { dropped: 0, overridden: [] };
    }
    let base = this.confirmed.value;
    if (this.inflight?.phase === 'acked') {
      base = applyJsonPatches(base, this.inflight.patches);
      this.confirmInflight('snapshot');
    }
    // Precise: a coarse diff would merge distant remote changes into one splice, dropping local edits between.
    const change = diffJson(base, value, { precise: true });
    this.confirmed = { version, value };
    // Not part of the snapshot: re-based below, then sent again (with the new Parents once the server said it
    // does not have it; until then as first sent, since it may have it).
    if (this.inflight) this.writeEvent(this.inflight, { type: 'snapshot' });
    return this.bridge(change);
  }

  private confirmInflight(event: 'echo' | 'snapshot'): void {
    const write = this.inflight!;
    this.writeEvent(write, { type: event });
    this.inflight = null;
    for (const w of write.waiters) w.resolve();
  }

  /** The server refused the inflight write: undo it as if the undo were a concurrent update ordered first. */
  rejectInflight(): Reception & { rejected: WriteWaiter[] } {
    const write = this.inflight;
    if (!write || !this.confirmed) return { dropped: 0, overridden: [], rejected: [] };
    const undo = invertPatches(this.confirmed.value, write.patches);
    this.writeEvent(write, { type: 'refused' });
    this.inflight = null;
    const [buffer, overBuffer] = transformPatchLists(this.buffer, undo, true);
    this.buffer = buffer;
    const overridden = buffer.length === 0 ? this.dropBuffer() : [];
    this.view = applyJsonPatches(this.view, overBuffer);
    return { dropped: 0, overridden, rejected: write.waiters };
  }

  /** Every buffered edit was overridden: nothing of them will be sent. */
  private dropBuffer(): WriteWaiter[] {
    this.bufferCount = 0;
    const waiters = this.bufferWaiters;
    this.bufferWaiters = [];
    return waiters;
  }

  /**
   * Bridges an update U (relative to confirmed-before-U) past inflight and buffer:
   * inflight' = T(inflight, U), U' = T(U, inflight), buffer' = T(buffer, U'), view' = view + T(U', buffer).
   */
  private bridge(change: JsonPatch[]): Reception {
    let dropped = 0;
    let incoming = change;
    const write = this.inflight;
    // The `set` calls of the write in flight (or of the buffer) whose every patch was overridden: nothing of
    // them will be applied (the write in flight still goes, and may come back empty).
    let overridden: WriteWaiter[] = [];
    if (write) {
      const [inflight, over] = transformPatchLists(write.patches, incoming, true);
      dropped += write.patches.length - inflight.length;
      if (!inflight.length) overridden = write.waiters.splice(0);
      write.patches = inflight;
      incoming = over;
    }
    const [buffer, overBuffer] = transformPatchLists(this.buffer, incoming, true);
    dropped += this.buffer.length - buffer.length;
    this.buffer = buffer;
    if (!buffer.length) for (const waiter of this.dropBuffer()) overridden.push(waiter);
    this.view = applyJsonPatches(this.view, overBuffer);
    return { dropped, overridden };
  }
}

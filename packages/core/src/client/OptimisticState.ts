import {
  appendComposed,
  applyJsonPatches,
  diffJson,
  invertPatches,
  type JsonPatch,
  resolveJsonPatches,
  transformPatchLists,
} from '../protocol/index';

/** The one write sent and not yet seen back on the subscription (patches relative to `confirmed`). */
export interface InflightWrite {
  id: string;
  patches: JsonPatch[];
  /** How many `set` calls it holds. */
  count: number;
  /** The server answered 2xx: it has the write (its echo may still be on the way). */
  acked: boolean;
  /** The server answered 409 (our Parents unknown): wait for a fresh snapshot, then re-base and resend. */
  conflicted: boolean;
  /** Sent in its current form (cleared when it must go again: network failure, re-based after a snapshot). */
  sent: boolean;
  /**
   * The request as first sent (Parents and patches). Every resend of this Version sends exactly these, so the
   * server can tell the retry from another write (a taken Version with other content is a 409). Cleared only when
   * the server said it does not have the write (409 for its Parents), so the re-based form goes next.
   */
  request?: { parents: string[]; patches: JsonPatch[] };
  /** How many times it got a new id because its Version was taken (bounded: no loop). */
  renames: number;
}

/**
 * The client side of the consistency scheme (DESIGN.md section 5), without I/O:
 * confirmed (the server's state) + inflight (one write) + buffer (writes since) = view (what the UI sees).
 * Incoming updates are bridged past inflight and buffer with the shared transform, and applied to the view
 * directly, so unchanged parts of the view keep their identity.
 */
export class OptimisticState {
  confirmed?: { version: string[]; value: unknown };
  inflight: InflightWrite | null = null;
  buffer: JsonPatch[] = [];
  bufferCount = 0;
  view: unknown = undefined;

  get loaded(): boolean {
    return this.confirmed !== undefined;
  }

  get pending(): number {
    return (this.inflight?.count ?? 0) + this.bufferCount;
  }

  /**
   * A local edit (already applied to produce `next`), shown at once. Composed into the buffer (no argument
   * spreading: a change may hold any number of patches), so the buffer grows with what changed.
   */
  localEdit(next: unknown, patches: JsonPatch[]): void {
    this.view = next;
    appendComposed(this.buffer, patches);
    // Edits that cancel out (typed, then deleted) leave nothing to send, so nothing pending.
    this.bufferCount = this.buffer.length ? this.bufferCount + 1 : 0;
  }

  /** Moves the buffer into flight when nothing is in flight (at most `maxPatches` patches per write). */
  takeWrite(newId: () => string, maxPatches = 1000): InflightWrite | null {
    if (this.inflight || this.buffer.length === 0 || !this.confirmed) return null;
    const id = newId();
    const patches = this.buffer.length > maxPatches ? this.buffer.splice(0, maxPatches) : this.buffer;
    const count = patches === this.buffer ? this.bufferCount : 1;
    if (patches === this.buffer) {
      this.buffer = [];
      this.bufferCount = 0;
    }
    this.inflight = { id, patches, count, acked: false, conflicted: false, sent: false, renames: 0 };
    return this.inflight;
  }

  /**
   * A patch update from the subscription, in server order. Returns whether it was our inflight write's echo, and
   * how many local patches vanished in the transform (overridden by concurrent edits).
   */
  receivePatches(version: string[], patches: JsonPatch[]): { ours: boolean; dropped: number } {
    const base = this.confirmed!;
    // Resolve relative indices (`[-0:-0]`...) against the state the server applied them to.
    const resolved = resolveJsonPatches(base.value, patches);
    this.confirmed = { version, value: resolved.value };
    if (this.inflight && version.length === 1 && version[0] === this.inflight.id) {
      this.inflight = null; // our write, as the server applied it: view already equals confirmed + buffer
      return { ours: true, dropped: 0 };
    }
    return { ours: false, dropped: this.bridge(resolved.patches) };
  }

  /**
   * A snapshot: the first value, or a fresh state after a resume the server could not serve as a delta.
   * An acked inflight write is part of it (it was acknowledged before this subscription began); an unacked one
   * is not, and is re-based onto it.
   */
  receiveSnapshot(version: string[], value: unknown): { dropped: number } {
    if (!this.confirmed) {
      this.confirmed = { version, value };
      this.view = value;
      return { dropped: 0 };
    }
    let base = this.confirmed.value;
    if (this.inflight?.acked) {
      base = applyJsonPatches(base, this.inflight.patches);
      this.inflight = null;
    }
    // Precise: a coarse diff would merge distant remote changes into one splice, dropping local edits between.
    const change = diffJson(base, value, { precise: true });
    this.confirmed = { version, value };
    if (this.inflight) {
      // Not part of the snapshot: re-based below, then sent again (with the new Parents once the server said it
      // does not have it; until then as first sent, since it may have it).
      if (this.inflight.conflicted) this.inflight.request = undefined;
      this.inflight.conflicted = false;
      this.inflight.sent = false;
    }
    return { dropped: this.bridge(change) };
  }

  /** The server refused the inflight write: undo it as if the undo were a concurrent update ordered first. */
  rejectInflight(): void {
    if (!this.inflight || !this.confirmed) return;
    const undo = invertPatches(this.confirmed.value, this.inflight.patches);
    this.inflight = null;
    const [buffer, overBuffer] = transformPatchLists(this.buffer, undo, true);
    this.buffer = buffer;
    if (buffer.length === 0) this.bufferCount = 0;
    this.view = applyJsonPatches(this.view, overBuffer);
  }

  /**
   * Bridges an update U (relative to confirmed-before-U) past inflight and buffer:
   * inflight' = T(inflight, U), U' = T(U, inflight), buffer' = T(buffer, U'), view' = view + T(U', buffer).
   */
  private bridge(change: JsonPatch[]): number {
    let dropped = 0;
    let incoming = change;
    if (this.inflight) {
      const [inflight, over] = transformPatchLists(this.inflight.patches, incoming, true);
      dropped += this.inflight.patches.length - inflight.length;
      this.inflight.patches = inflight;
      incoming = over;
    }
    const [buffer, overBuffer] = transformPatchLists(this.buffer, incoming, true);
    dropped += this.buffer.length - buffer.length;
    this.buffer = buffer;
    if (buffer.length === 0) this.bufferCount = 0; // every buffered edit was overridden
    this.view = applyJsonPatches(this.view, overBuffer);
    return dropped;
  }
}

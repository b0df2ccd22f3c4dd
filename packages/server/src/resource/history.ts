import type { JsonPatch } from '@braid-live/core/protocol';
import { KnownVersions, NOT_A_WRITE } from './knownVersions';

/** One accepted version, as kept in memory. */
export interface VersionEntry {
  /** Position in the resource's linear history (1 = first version ever accepted), for cheap "after" lookups. */
  readonly seq: number;
  readonly version: string;
  /** The head this version was applied on. */
  readonly parents: string[];
  /** Patches relative to `parents`, with absolute indices (already transformed). */
  readonly patches: JsonPatch[];
  /** The document at this version. Cheap to keep: consecutive values share every subtree a patch did not touch. */
  readonly value: unknown;
  readonly peer?: string;
  readonly time: number;
  /** The digest of the write as sent (knownVersions.ts), to tell a retry from another write under this Version. */
  readonly digest?: string;
  /** This version as an update on the wire, serialized once when it is accepted (fan-out and resume send it). */
  readonly wire: Uint8Array;
}

/** The state before the oldest kept version: the initial value, or the value of the last version trimmed away. */
export interface HistoryRoot {
  readonly seq: number;
  readonly version: string[];
  readonly value: unknown;
}

/**
 * The linear history of one resource: a root state followed by the last `maxHistory` versions, plus a larger
 * bounded set of version ids seen (for duplicate detection after a version left the window).
 *
 * The window is also bounded in bytes (the wire size of the versions kept): consecutive values share what a
 * patch did not touch, so patch versions cost about their wire size, but whole-document writes do not share
 * anything, and 1000 of them of a big document would not fit in memory.
 */
export class History {
  private rootState: HistoryRoot;
  private readonly entries: VersionEntry[] = [];
  private readonly byVersion = new Map<string, VersionEntry>();
  private bytes = 0;
  readonly known: KnownVersions;

  constructor(
    root: { version: string[]; value: unknown; seq?: number },
    private readonly maxHistory: number,
    private readonly maxHistoryBytes: number,
    maxKnownVersions: number,
    /** The root is the resource's initial value (no write made it), not a compaction base. */
    private readonly rootIsInitial = root.version.length === 0,
  ) {
    // (A shared log numbers versions for every node: the root then starts at its position in the log.)
    this.rootState = { seq: root.seq ?? 0, version: root.version, value: root.value };
    this.known = new KnownVersions(maxKnownVersions);
    for (const id of root.version) this.known.add(id, rootIsInitial ? NOT_A_WRITE : undefined);
  }

  /** Wire bytes of the versions kept (bounded by maxHistoryBytes). */
  get wireBytes(): number {
    return this.bytes;
  }

  get root(): HistoryRoot {
    return this.rootState;
  }

  get headSeq(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : this.rootState.seq;
  }

  get headVersion(): string[] {
    return this.entries.length ? [this.entries[this.entries.length - 1].version] : this.rootState.version;
  }

  get headValue(): unknown {
    return this.entries.length ? this.entries[this.entries.length - 1].value : this.rootState.value;
  }

  get headEntry(): VersionEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Versions in memory, oldest first (read-only view). */
  get versions(): readonly VersionEntry[] {
    return this.entries;
  }

  entry(version: string): VersionEntry | undefined {
    return this.byVersion.get(version);
  }

  /**
   * The history position of the state a client names with `Version`/`Parents`, or undefined when it is not in
   * memory (never seen, or trimmed away). The history is linear, so several known parents mean the newest of
   * them. `[]` (what clients sent before the initial state had an id) names the initial state, and only while
   * that is still the root.
   */
  locate(ids: readonly string[]): number | undefined {
    if (ids.length === 0) return this.rootIsInitial && this.rootState.seq === 0 ? 0 : undefined;
    let newest = -1;
    for (const id of ids) {
      const entry = this.byVersion.get(id);
      if (entry) newest = Math.max(newest, entry.seq);
      else if (this.rootState.version.includes(id)) newest = Math.max(newest, this.rootState.seq);
      else return undefined;
    }
    return newest;
  }

  /** The version id(s) of a position returned by `locate`. */
  versionAt(seq: number): string[] {
    if (seq === this.rootState.seq) return this.rootState.version;
    return [this.entries[this.indexOfSeq(seq)].version];
  }

  /** The document at a position returned by `locate`. */
  valueAt(seq: number): unknown {
    if (seq === this.rootState.seq) return this.rootState.value;
    return this.entries[this.indexOfSeq(seq)].value;
  }

  /** The versions after position `seq`, oldest first. */
  after(seq: number): VersionEntry[] {
    return this.entries.slice(this.indexOfSeq(seq) + 1);
  }

  /** Appends the next version; the oldest one becomes the root when the window is full. */
  push(entry: Omit<VersionEntry, 'seq'>): VersionEntry {
    const full: VersionEntry = { ...entry, seq: this.headSeq + 1 };
    this.entries.push(full);
    this.byVersion.set(full.version, full);
    this.known.add(full.version, full.digest);
    this.bytes += full.wire.length;
    while (
      this.entries.length > this.maxHistory ||
      (this.bytes > this.maxHistoryBytes && this.entries.length > 1)
    ) {
      const oldest = this.entries.shift()!;
      this.bytes -= oldest.wire.length;
      this.byVersion.delete(oldest.version);
      this.rootState = { seq: oldest.seq, version: [oldest.version], value: oldest.value };
    }
    return full;
  }

  /** Index in `entries` of the version at `seq` (-1 for the root). */
  private indexOfSeq(seq: number): number {
    const first = this.entries.length ? this.entries[0].seq : this.rootState.seq + 1;
    return seq - first;
  }
}

import { forgetOldest } from '@braid-live/core/protocol';
import { applySplices, type TextSplice } from '@braid-live/core/text';
import { type EventRun, parseEventId } from './eventIds';

/** One accepted version of a text resource, as kept in memory. */
export interface TextEntry {
  /** Position in the linear history (1 = first version ever accepted). */
  readonly seq: number;
  /** The writer's version id: the last event it covers. */
  readonly id: string;
  readonly run: EventRun | undefined;
  /** The version after this entry, as the wire names it: sorted ids (several after a merge). */
  readonly frontier: string[];
  /** The frontier before it. */
  readonly parents: string[];
  /** What it changed, as applied (transformed): a parallel set against the text at `parents`. */
  readonly splices: TextSplice[];
  readonly text: string;
  readonly peer?: string;
  readonly time: number;
  /** Whether a concurrent version got in first (then the writer's own text differs until its catch-up). */
  readonly transformed: boolean;
  /** The broadcast of this version (to everyone but its writer), serialized once. */
  readonly wire: Uint8Array;
}

/**
 * A text state a client can name in Parents: its text, the linear position its catch-up diff leads to (`seq`),
 * and which versions it includes: all up to `baseSeq`, plus `extra` ids (a writer's own transformed edits).
 */
export interface TextState {
  readonly text: string;
  readonly seq: number;
  readonly baseSeq: number;
  readonly extra: ReadonlySet<string>;
  /**
   * Splices that turn `text` into the linear text at `seq` (what its writer has not seen yet): empty for a
   * linear state; undefined when not known (then the texts are diffed).
   */
  readonly behind?: readonly TextSplice[];
}

const NONE: ReadonlySet<string> = new Set();
const NO_SPLICES: readonly TextSplice[] = [];

/**
 * The linear history of a text resource and the names clients use for its states. The server orders every
 * write (linear), but simpleton clients name states by event ids: a writer whose edit was transformed keeps
 * calling its own text by its own id until the catch-up reaches it, so those "side" states are remembered too
 * (bounded), as are states in the middle of a version's run of events (`hi-0` inside `hi-0…hi-1`).
 */
export class TextHistory {
  private rootState: { seq: number; frontier: string[]; text: string };
  private readonly entries: TextEntry[] = [];
  private readonly byFrontier = new Map<string, TextEntry>();
  private readonly byId = new Map<string, TextEntry>();
  private readonly byAgent = new Map<string, TextEntry[]>();
  /** Writers' own states after a transformed edit, by its id (insertion order = oldest first). */
  private readonly sideStates = new Map<string, TextState>();
  private bytes = 0;

  constructor(
    root: { version: string[]; text: string; seq?: number },
    private readonly maxHistory: number,
    private readonly maxHistoryBytes: number,
    private readonly maxSideStates: number,
  ) {
    // (`seq`: the base's position in a shared log; 0 on a store of one node's own)
    this.rootState = { seq: root.seq ?? 0, frontier: [...root.version].sort(), text: root.text };
  }

  get root(): { seq: number; frontier: string[]; text: string } {
    return this.rootState;
  }

  get headSeq(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : this.rootState.seq;
  }

  get headFrontier(): string[] {
    return this.entries.length ? this.entries[this.entries.length - 1].frontier : this.rootState.frontier;
  }

  get headText(): string {
    return this.entries.length ? this.entries[this.entries.length - 1].text : this.rootState.text;
  }

  /** Estimated bytes of the versions kept (wire bytes and texts). */
  get byteSize(): number {
    return this.bytes + this.rootState.text.length * 2;
  }

  /** The entry of a version id still in memory. */
  entry(id: string): TextEntry | undefined {
    return this.byId.get(id);
  }

  get versions(): readonly TextEntry[] {
    return this.entries;
  }

  textAt(seq: number): string {
    return seq === this.rootState.seq ? this.rootState.text : this.entries[this.indexOf(seq)].text;
  }

  frontierAt(seq: number): string[] {
    return seq === this.rootState.seq ? this.rootState.frontier : this.entries[this.indexOf(seq)].frontier;
  }

  after(seq: number): TextEntry[] {
    return this.entries.slice(this.indexOf(seq) + 1);
  }

  /** The linear position of a version id still in memory. */
  seqOf(id: string): number | undefined {
    return this.byId.get(id)?.seq;
  }

  linearState(seq: number): TextState {
    return { text: this.textAt(seq), seq, baseSeq: seq, extra: NONE, behind: NO_SPLICES };
  }

  /** The state a client names (Parents of a PUT or a subscription, Version of a GET), if known. */
  locate(ids: readonly string[]): TextState | undefined {
    const key = frontierKey(ids);
    if (key === frontierKey(this.rootState.frontier)) return this.linearState(this.rootState.seq);
    const entry = this.byFrontier.get(key);
    if (entry) return this.linearState(entry.seq);
    if (ids.length !== 1) return undefined;
    const side = this.sideStates.get(ids[0]);
    if (side && side.seq >= this.rootState.seq) return side;
    return this.insideRun(ids[0]);
  }

  /** The ids of `ids` that name nothing the server knows (all of them when only the combination is unknown). */
  unknownIds(ids: readonly string[]): string[] {
    const unknown = ids.filter(
      (id) => !this.byId.has(id) && !this.rootState.frontier.includes(id) && this.locate([id]) === undefined,
    );
    return unknown.length ? unknown : [...ids];
  }

  /** Whether the frontier member `id` is part of `state`. */
  includes(state: TextState, id: string): boolean {
    if (state.extra.has(id)) return true;
    const seq = this.byId.get(id)?.seq;
    return seq === undefined || seq <= state.baseSeq; // gone from memory = older than any state we can name
  }

  push(entry: Omit<TextEntry, 'seq'>, side: Omit<TextState, 'seq'> | undefined): TextEntry {
    const full: TextEntry = { ...entry, seq: this.headSeq + 1 };
    this.entries.push(full);
    this.byFrontier.set(frontierKey(full.frontier), full);
    this.byId.set(full.id, full);
    if (full.run) {
      let runs = this.byAgent.get(full.run.agent);
      if (!runs) this.byAgent.set(full.run.agent, (runs = []));
      runs.push(full);
    }
    if (side) {
      this.sideStates.delete(full.id);
      this.sideStates.set(full.id, { ...side, seq: full.seq });
      forgetOldest(this.sideStates, this.maxSideStates);
    }
    this.bytes += entryBytes(full);
    while (
      this.entries.length > this.maxHistory ||
      (this.bytes > this.maxHistoryBytes && this.entries.length > 1)
    ) {
      this.trimOldest();
    }
    return full;
  }

  private trimOldest(): void {
    const oldest = this.entries.shift()!;
    this.bytes -= entryBytes(oldest);
    if (this.byFrontier.get(frontierKey(oldest.frontier)) === oldest)
      this.byFrontier.delete(frontierKey(oldest.frontier));
    this.byId.delete(oldest.id);
    if (oldest.run) {
      const runs = this.byAgent.get(oldest.run.agent)!;
      runs.shift();
      if (runs.length === 0) this.byAgent.delete(oldest.run.agent);
    }
    this.rootState = { seq: oldest.seq, frontier: oldest.frontier, text: oldest.text };
    for (const [id, state] of this.sideStates) if (state.seq < oldest.seq) this.sideStates.delete(id);
  }

  /**
   * `A-j` strictly inside the run of a version that landed as sent: the text after its first events (inserts
   * left to right, deletes right to left, splices in position order, each one's deletes before its inserts).
   */
  private insideRun(id: string): TextState | undefined {
    const event = parseEventId(id);
    if (!event) return undefined;
    const entry = this.byAgent
      .get(event.agent)
      ?.find((e) => e.run!.first <= event.seq && event.seq < e.run!.last);
    if (!entry || entry.transformed || entry.seq - 1 < this.rootState.seq) return undefined;
    const done = event.seq - entry.run!.first + 1;
    const text = applySplices(this.textAt(entry.seq - 1), firstEvents(entry.splices, done));
    return { text, seq: entry.seq, baseSeq: entry.seq - 1, extra: new Set([id]) };
  }

  private indexOf(seq: number): number {
    const first = this.entries.length ? this.entries[0].seq : this.rootState.seq + 1;
    return seq - first;
  }
}

/** The first `count` events of a parallel set of splices, as a parallel set. */
function firstEvents(splices: readonly TextSplice[], count: number): TextSplice[] {
  const out: TextSplice[] = [];
  let left = count;
  for (const s of splices) {
    if (left <= 0) break;
    const deletes = s.end - s.start;
    if (left < deletes) {
      out.push({ start: s.end - left, end: s.end, content: '' });
      break;
    }
    left -= deletes;
    const inserted = Array.from(s.content);
    out.push({ start: s.start, end: s.end, content: inserted.slice(0, left).join('') });
    left -= inserted.length;
  }
  return out;
}

function frontierKey(ids: readonly string[]): string {
  // (One id, the common case, without sorting or JSON: a JSON key starts with "[", never with "1:".)
  return ids.length === 1 ? `1:${ids[0]}` : JSON.stringify([...ids].sort());
}

function entryBytes(entry: TextEntry): number {
  return entry.wire.length + entry.text.length * 2;
}

import type { TextSplice } from './splices';
import type { TextPresence } from './TextPresence';
import type { TextChange, TextResource } from './TextResource';

/** What each person publishes about themselves in a text's presence. Offsets in code points. */
export interface CaretEntry {
  name: string;
  color: string;
  /** Where the selection starts (stays) and ends (moves); equal for a plain caret. */
  anchor: number;
  head: number;
  /** The version of the text the offsets are positions in (the sender's `currentVersion`). */
  version: readonly string[];
  /** The sender's TextResource peer (the agent of its edits), to move its caret past what it typed. */
  textPeer: string;
}

/** Another person's caret, positioned in this client's text. */
export interface RemoteCaret {
  peer: string;
  name: string;
  color: string;
  anchor: number;
  head: number;
  /** False while the position is an estimate (their text and ours are at different versions). */
  exact: boolean;
}

export interface RemoteCaretsOptions {
  name: string;
  color: string;
  /** This person's selection in code points now (undefined: not in the editor). */
  selection: () => { anchor: number; head: number } | undefined;
  /** Most presence PUTs per second. Default 20. */
  maxPerSecond?: number;
}

/**
 * Live cursors over a collaborative text: publishes this person's caret (code points, with the text version
 * they are positions in) to a presence, and keeps everyone else's caret on the right character — moved by
 * every edit this client sees, and replaced by what they publish once it refers to the version this client
 * is at (until then a newer entry is held back, as its offsets may count edits not here yet).
 */
export class RemoteCarets {
  private readonly shown = new Map<string, RemoteCaret>();
  private readonly held = new Map<string, CaretEntry>();
  private readonly listeners = new Set<() => void>();
  private readonly stops: (() => void)[] = [];
  private publishTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPublished = '';
  private lastPublishAt = 0;
  private readonly minGapMs: number;

  constructor(
    private readonly text: TextResource,
    private readonly presence: TextPresence<CaretEntry>,
    private readonly options: RemoteCaretsOptions,
  ) {
    this.minGapMs = 1000 / (options.maxPerSecond ?? 20);
    this.stops.push(
      text.subscribe((change) => this.onText(change)),
      presence.subscribe(() => this.onPresence()),
    );
    this.onPresence();
  }

  /** Everyone else's caret, in this client's text. */
  get carets(): RemoteCaret[] {
    return [...this.shown.values()];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** This person's caret moved (or they typed): publishes it (throttled; the last position always goes). */
  publish(): void {
    if (this.publishTimer !== undefined) return;
    const wait = Math.max(0, this.lastPublishAt + this.minGapMs - Date.now());
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.lastPublishAt = Date.now();
      const selection = this.options.selection();
      if (!selection || !this.text.isLoaded) return;
      const entry: CaretEntry = {
        name: this.options.name,
        color: this.options.color,
        anchor: selection.anchor,
        head: selection.head,
        version: this.text.currentVersion,
        textPeer: this.text.peer,
      };
      const json = JSON.stringify(entry);
      if (json === this.lastPublished) return;
      this.lastPublished = json;
      this.presence.set(entry);
    }, wait);
  }

  close(): void {
    clearTimeout(this.publishTimer);
    for (const stop of this.stops) stop();
    this.listeners.clear();
  }

  private onText(change: TextChange): void {
    if (change.splices === undefined) {
      // A reload: positions from before cannot be mapped; wait for entries at the new version.
      this.shown.clear();
    } else if (change.splices.length) {
      const authors = change.source === 'local' ? [this.text.peer] : this.text.currentVersion.map(agentOf);
      for (const caret of this.shown.values()) {
        const own = authors.includes(this.textPeerOf(caret.peer));
        caret.anchor = mapOffset(caret.anchor, change.splices, own);
        caret.head = mapOffset(caret.head, change.splices, own);
        caret.exact = false;
      }
    }
    // Our version moved: entries held for it may apply now, and ours names the new version.
    for (const [peer, entry] of this.held) this.consider(peer, entry);
    this.publish();
    this.emit();
  }

  private onPresence(): void {
    const peers = this.presence.peers;
    for (const peer of [...this.shown.keys()]) if (!peers.has(peer)) this.shown.delete(peer);
    for (const peer of [...this.held.keys()]) if (!peers.has(peer)) this.held.delete(peer);
    for (const [peer, entry] of peers) {
      if (peer === this.presence.peer || !isCaretEntry(entry)) continue;
      this.consider(peer, entry);
    }
    this.emit();
  }

  /** Shows `entry` when it refers to our version; otherwise holds it (shown as an estimate if nothing is). */
  private consider(peer: string, entry: CaretEntry): void {
    const exact = sameIds(entry.version, this.text.currentVersion);
    const known = this.shown.get(peer);
    if (!exact && known) {
      this.held.set(peer, entry);
      return;
    }
    this.held.delete(peer);
    if (!exact) this.held.set(peer, entry);
    this.shown.set(peer, {
      peer,
      name: entry.name,
      color: entry.color,
      anchor: entry.anchor,
      head: entry.head,
      exact,
    });
    this.textPeers.set(peer, entry.textPeer);
  }

  private readonly textPeers = new Map<string, string>();

  private textPeerOf(peer: string): string {
    return this.textPeers.get(peer) ?? '';
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * Where code-point offset `at` goes when `splices` (parallel, sorted) apply: an edit before it shifts it, one
 * around it puts it at the end of the new text; an insert right at it leaves it before — unless the caret's
 * owner made the edit (`own`): they typed it, so their caret is after it.
 */
export function mapOffset(at: number, splices: readonly TextSplice[], own: boolean): number {
  let shift = 0;
  for (const s of splices) {
    if (s.start > at || (s.start === at && !own && s.end === s.start)) break;
    const inserted = [...s.content].length;
    if (s.end <= at) {
      shift += inserted - (s.end - s.start);
      continue;
    }
    return s.start + shift + inserted; // inside a replaced span
  }
  return at + shift;
}

function agentOf(id: string): string {
  const dash = id.lastIndexOf('-');
  return dash < 0 ? id : id.slice(0, dash);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...a].sort();
  return sorted.every((id, i) => id === b[i]);
}

function isCaretEntry(entry: unknown): entry is CaretEntry {
  const e = entry as CaretEntry;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.name === 'string' &&
    typeof e.color === 'string' &&
    Number.isInteger(e.anchor) &&
    Number.isInteger(e.head) &&
    Array.isArray(e.version) &&
    typeof e.textPeer === 'string'
  );
}

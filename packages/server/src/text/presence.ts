import type { SubscriptionSink } from '../subscriptions/sink';
import type { Authorize } from '../types';

/** Options of `braid.presence(path, options)`: who is here, kept in memory only. */
export interface PresenceOptions {
  /** Most peers with an entry at once (a PUT by one more answers 409). Default 32. */
  maxPeers?: number;
  /** Largest entry, in bytes of its JSON (a bigger PUT answers 413). Default 1024. */
  maxEntryBytes?: number;
  /** An entry not refreshed by a PUT for this long is removed. Default 30 000 ms. */
  ttlMs?: number;
  /** For a path pattern: most documents with entries or subscribers at once (more answer 429). Default 1000. */
  maxDocuments?: number;
  /** Overrides the server-wide `authorize` for this path (read: GET; write: PUT and DELETE). */
  authorize?: Authorize;
}

export type PresenceLimits = Required<Omit<PresenceOptions, 'authorize'>>;

export const DEFAULT_PRESENCE_LIMITS: PresenceLimits = {
  maxPeers: 32,
  maxEntryBytes: 1024,
  ttlMs: 30_000,
  maxDocuments: 1000,
};

/** Why a presence write was refused (the HTTP layer maps it to a status). */
export class PresenceError extends Error {
  constructor(
    readonly code: 'too-many-peers' | 'entry-too-large' | 'bad-entry' | 'too-many-documents',
    message: string,
  ) {
    super(message);
    this.name = 'PresenceError';
  }
}

interface Entry {
  json: string;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The presence of one document: one JSON entry per peer (name, colour, caret…), fanned out to subscribers as
 * it changes. Ephemeral by design: nothing is stored or kept as history, an entry goes when its peer's last
 * subscription ends or when it was not refreshed for `ttlMs`, and everything is bounded (peers, entry size,
 * subscribers). The wire: a snapshot `{peer: entry, …}` first, then one update per change, `Content-Range:
 * json ["peer"]` with the entry, or an empty body when the peer left.
 */
export class PresenceDocument {
  private readonly entries = new Map<string, Entry>();
  private readonly subscribers = new Set<{ sink: SubscriptionSink; peer?: string }>();
  private seq = 0;
  private onEmpty?: () => void;

  constructor(private readonly limits: PresenceLimits) {}

  get peerCount(): number {
    return this.entries.size;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  get isEmpty(): boolean {
    return this.entries.size === 0 && this.subscribers.size === 0;
  }

  /** Called once the document holds nothing (its registry forgets it). */
  whenEmpty(listener: () => void): void {
    this.onEmpty = listener;
  }

  /** The entries now, as `{peer: entry}`. */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [peer, entry] of this.entries) out[peer] = JSON.parse(entry.json);
    return out;
  }

  /** Sets `peer`'s entry (any JSON object), refreshing its time to live. */
  set(peer: string, entry: unknown): void {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new PresenceError('bad-entry', 'a presence entry must be a JSON object');
    const json = JSON.stringify(entry);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.limits.maxEntryBytes)
      throw new PresenceError(
        'entry-too-large',
        `a presence entry is at most ${this.limits.maxEntryBytes} bytes of JSON (got ${bytes})`,
      );
    const old = this.entries.get(peer);
    if (!old && this.entries.size >= this.limits.maxPeers)
      throw new PresenceError(
        'too-many-peers',
        `this document already has ${this.limits.maxPeers} people present (the most allowed)`,
      );
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => this.remove(peer), this.limits.ttlMs);
    timer.unref?.();
    this.entries.set(peer, { json, timer });
    if (old?.json !== json) this.broadcast(peer, json);
  }

  /** Removes `peer`'s entry (it left). */
  remove(peer: string): void {
    const entry = this.entries.get(peer);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(peer);
    this.broadcast(peer, '');
    this.checkEmpty();
  }

  /** Sends the snapshot and joins the fan-out; when the last subscription of `peer` ends, its entry goes. */
  attach(sink: SubscriptionSink, peer: string | undefined): void {
    sink.writeInitial(snapshotBytes(++this.seq, this.snapshot()));
    if (sink.closed) return;
    const subscriber = { sink, peer };
    this.subscribers.add(subscriber);
    sink.onClose(() => {
      this.subscribers.delete(subscriber);
      if (peer !== undefined && ![...this.subscribers].some((s) => s.peer === peer)) this.remove(peer);
      this.checkEmpty();
    });
  }

  closeAll(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    for (const subscriber of [...this.subscribers]) subscriber.sink.close();
    this.subscribers.clear();
  }

  private broadcast(peer: string, json: string): void {
    if (this.subscribers.size === 0) return;
    const bytes = entryBytes(++this.seq, peer, json);
    for (const subscriber of this.subscribers) subscriber.sink.write(bytes);
  }

  /** Tells the registry when nothing is left (after a refused first write, say). */
  checkEmpty(): void {
    if (this.isEmpty) this.onEmpty?.();
  }
}

function snapshotBytes(seq: number, snapshot: Record<string, unknown>): Buffer {
  const body = Buffer.from(JSON.stringify(snapshot), 'utf8');
  const head = `HTTP 200 OK\r\nVersion: "${seq}"\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), body, CRLF2]);
}

function entryBytes(seq: number, peer: string, json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const head =
    `HTTP 200 OK\r\nVersion: "${seq}"\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
    `Content-Range: json [${JSON.stringify(peer)}]\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), body, CRLF2]);
}

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

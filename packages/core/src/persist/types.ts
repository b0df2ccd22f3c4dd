import type { JsonPatch } from '../protocol/index';

/**
 * The write in flight of one resource in one tab: stored before it is sent, removed once the server has confirmed
 * it. After a reload it is resent exactly as first sent (same Version, Parents and patches), so the server tells
 * the retry from a new write.
 */
export interface StoredWrite {
  /** Its Version (one id). */
  version: string;
  /** The request as first sent; absent when the server said it does not have it (re-based from `patches`). */
  request?: { parents: string[]; patches: JsonPatch[] };
  /** The write relative to the replica's confirmed state (transformed over what arrived since it was sent). */
  patches: JsonPatch[];
  /** How many `set` calls it holds. */
  count: number;
}

/** What one tab holds of one resource: the confirmed state and its unconfirmed edits on top. */
export interface Replica {
  confirmed?: { version: string[]; value: unknown };
  inflight?: StoredWrite;
  /** Local edits not yet given a Version (composed), relative to confirmed + inflight. */
  buffer?: { patches: JsonPatch[]; count: number };
}

export interface StoredReplica extends Replica {
  resource: string;
  tab: string;
  appVersion: string;
  savedAt: number;
  /** Bytes of its unconfirmed part (inflight + buffer), counted against the outbox bound. */
  outboxBytes: number;
  /** Bytes of its confirmed value, counted against the cache bound. */
  cacheBytes: number;
}

/** What a page load finds for one resource (what it took over is now under this tab's name). */
export interface Loaded {
  /** The most recently saved confirmed state of any tab (shown at once, also offline). */
  confirmed?: { version: string[]; value: unknown };
  /** The most recent replica with unconfirmed edits of a tab that is gone, now this tab's own. */
  mine?: StoredReplica;
  /** More of them (several tabs closed with edits unconfirmed): sent as they are, then forgotten (`forget`). */
  replays: StoredReplica[];
  /** Unconfirmed edits written by another `appVersion`: not replayed (handed to the app instead), and forgotten. */
  stale: StoredReplica[];
}

/**
 * Where a client keeps its outbox and confirmed states between page loads: one per origin and app, shared by the
 * tabs of a browser profile. Every method may fail (quota, private mode, a bound): the client reports it and goes
 * on from memory — it never drops a write because storage failed.
 */
export interface PersistStore {
  /** Replaces what `tab` holds of `resource` (an empty replica deletes it). */
  save(resource: string, tab: string, replica: Replica): Promise<void>;
  /**
   * What a new page finds for `resource`. Replicas with unconfirmed edits of tabs that are gone (`alive(tab)`
   * false) are taken over by `tab` in the same transaction, so two tabs opening at once never both take one.
   */
  load(resource: string, tab: string, alive: (tab: string) => boolean): Promise<Loaded>;
  /**
   * Takes over, while `tab` runs, every replica with unconfirmed edits of a tab that is gone (renamed
   * `<tab>~…`, in one transaction: two tabs never both take one), and returns them with this tab's own `<tab>~…`
   * replicas left from an earlier try, to be sent (replayReplica). Optional: without it only page loads take over.
   */
  adopt?(tab: string, alive: (tab: string) => boolean): Promise<StoredReplica[]>;
  /** One stored replica as it is now (optional: a replay then uses the copy it was given). */
  get?(resource: string, tab: string): Promise<StoredReplica | undefined>;
  /** Deletes one replica (a replay that reached the server). */
  forget(resource: string, tab: string): Promise<void>;
  /** `set` calls not yet confirmed, every resource and tab together. */
  unconfirmed(): Promise<number>;
  close(): void;
}

export type PersistErrorCode = 'outbox-full' | 'state-too-large' | 'storage-failed';

/** A bound of the store was reached, or storage itself failed. */
export class PersistError extends Error {
  override name = 'PersistError';
  constructor(
    readonly code: PersistErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

import type { JsonPatch } from '../protocol/index';

/**
 * A write that left (or is about to leave) this browser: stored before it is sent, removed once the server has
 * confirmed it. Resent after a reload exactly as first sent (same Version, Parents and patches), so the server
 * tells the retry from a new write.
 */
export interface StoredWrite {
  /** The resource's absolute URL. */
  resource: string;
  /** The write's Version (one id). */
  version: string;
  parents: string[];
  patches: JsonPatch[];
  /** How many `set` calls it holds. */
  count: number;
  /** Order of writes to one resource (they are replayed in this order). */
  seq: number;
  appVersion: string;
  bytes: number;
}

/** Local edits not yet given a Version (composed while a write is in flight or offline). */
export interface StoredEdits {
  resource: string;
  patches: JsonPatch[];
  count: number;
  appVersion: string;
  bytes: number;
}

/** The last state the server confirmed, to show at once on the next page load (also offline). */
export interface StoredState {
  resource: string;
  version: string[];
  value: unknown;
  appVersion: string;
  savedAt: number;
  bytes: number;
}

/** What one resource left behind in this browser. */
export interface Leftovers {
  state?: StoredState;
  writes: StoredWrite[];
  edits?: StoredEdits;
  /** Entries written by another `appVersion`: not replayed (reported to the app instead). */
  stale: { writes: StoredWrite[]; edits?: StoredEdits };
}

/**
 * Where a client keeps its outbox and its confirmed states between page loads. One per origin and app; shared by
 * the tabs of a browser profile. Every method is async and may fail (quota, private mode): the client reports it
 * and goes on from memory — it never drops a write because storage failed.
 */
export interface PersistStore {
  putWrite(write: Omit<StoredWrite, 'bytes' | 'appVersion' | 'seq'>): Promise<void>;
  /** Removes a confirmed write (no-op if unknown). */
  deleteWrite(resource: string, version: string): Promise<void>;
  /** Renames a write whose Version was taken on the server (its new form replaces the old one). */
  replaceWrite(
    resource: string,
    oldVersion: string,
    write: Omit<StoredWrite, 'bytes' | 'appVersion' | 'seq'>,
  ): Promise<void>;
  putEdits(resource: string, patches: JsonPatch[], count: number): Promise<void>;
  putState(resource: string, version: string[], value: unknown): Promise<void>;
  /** Everything one resource left behind (and forgets what was stale). */
  leftovers(resource: string): Promise<Leftovers>;
  /** Local edits of every resource not yet confirmed (any tab of this profile). */
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

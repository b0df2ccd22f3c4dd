/**
 * What went wrong, as a value the UI can show:
 * - rejected: the server refused a write (4xx/5xx with its reason); the write was rolled back;
 * - conflict: some local edits were overridden by concurrent edits the server ordered differently;
 * - http: the subscription was refused (e.g. 401, 403, 404) — the resource stops retrying;
 * - network: the connection failed or went silent (retried automatically);
 * - protocol: the server sent something that is not valid Braid-HTTP or JSON (the resource resubscribes);
 * - version-taken: the server had another write under this write's Version (409): the write is sent again under a
 *   new id (nothing is lost; reported so that a clash of writer ids is not silent);
 * - invalid: `set()` was given a value JSON cannot carry (BigInt, a function, a cycle): thrown synchronously,
 *   nothing changed;
 * - closed: the client was closed before the server confirmed a write (what `set()`'s promise rejects with);
 * - storage: `persist` could not keep an edit in the browser (the outbox is full, IndexedDB failed): the edit is
 *   still sent from memory, but would not survive a reload before the server confirms it;
 * - outbox-stale: edits an earlier version of the app left unconfirmed (another `appVersion`): not replayed.
 */
export type BraidErrorKind =
  | 'rejected'
  | 'conflict'
  | 'http'
  | 'network'
  | 'protocol'
  | 'version-taken'
  | 'invalid'
  | 'closed'
  | 'storage'
  | 'outbox-stale';

export class BraidError extends Error {
  override name = 'BraidError';
  readonly kind: BraidErrorKind;
  /** HTTP status, when there was one. */
  readonly status?: number;
  readonly url: string;

  constructor(
    kind: BraidErrorKind,
    url: string,
    message: string,
    options?: { status?: number; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.url = url;
    this.status = options?.status;
  }
}

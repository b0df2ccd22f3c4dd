/**
 * Why the domain layer refused something. The codes are the contract (tests, HTTP statuses, users' `catch`
 * blocks match on them); messages are for people. The HTTP status of each code is decided in one place,
 * errors.ts, never here: resources do not speak HTTP.
 */
export type ResourceErrorCode =
  /** The write's Parents are not in the history (never seen, or older than the window). */
  | 'unknown-parents'
  /** The patches do not apply to the state they claim to be based on: the write itself is wrong. */
  | 'patches-do-not-apply'
  /** The write's Version names another write (or the initial state): a retry has the same Parents and patches. */
  | 'version-taken'
  /** The patches applied at their Parents, but not after transforming them over concurrent versions. */
  | 'write-conflict'
  /** Transforming the write over the versions since its Parents would cost more than `maxRebaseWork`. */
  | 'rebase-too-costly'
  /** The resource's `validate` hook refused the value the write would produce. */
  | 'rejected-by-validate'
  /** The store failed to make the version durable; nothing was applied. */
  | 'store-failed'
  /** A version named by a server-side call (`braid.revert`) is not in the history. */
  | 'unknown-version'
  /** A history page asked to start before a version that is not in memory (gone, or never existed). */
  | 'version-not-in-history'
  /** The write carries more patches than `maxPatches`. */
  | 'too-many-patches'
  /** The write's patches carry more JSON than `maxPatchBytes`. */
  | 'patches-too-large'
  /** Applying the write would cost more than `maxWriteWork` (estimated before any work). */
  | 'write-too-costly'
  /** The document the write would produce is larger than `maxDocumentBytes`. */
  | 'document-too-large'
  /** The first write of one more path under a pattern that has created `maxResources` already. */
  | 'pattern-full'
  /** Loading one more resource would pass `maxResidentBytes`, and nothing idle is left to drop. */
  | 'over-memory-budget'
  /** Several nodes: the shared log (Redis) cannot be reached; nothing was applied, retry later. */
  | 'shared-log-unavailable'
  /** Several nodes: the write lost the race to other nodes too many times in a row; retry later. */
  | 'write-contention'
  /** Text (simpleton) resources: the Version or Parents named are unknown here (`ids`: which). */
  | 'version-unknown-here'
  /** A malformed or impossible Version (a simpleton id must be `agent-seq`, covering the events it makes). */
  | 'bad-version'
  /** Too many writes are waiting (for their Parents to arrive). */
  | 'busy'
  /** The writer's Repr-Digest does not match the text its edit makes: writer and server differ. */
  | 'digest-mismatch';

export class ResourceError extends Error {
  override name = 'ResourceError';
  readonly code: ResourceErrorCode;
  /** For refusals that pass (a full budget): when to try again. */
  readonly retryAfterSeconds?: number;
  /** The version ids concerned ('version-unknown-here': the unknown ones). */
  readonly ids?: readonly string[];

  constructor(
    code: ResourceErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; ids?: readonly string[] },
  ) {
    super(message, options);
    this.code = code;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options?.ids) this.ids = options.ids;
  }
}

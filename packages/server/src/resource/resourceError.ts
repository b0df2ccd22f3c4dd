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
  /** The patches applied at their Parents, but not after transforming them over concurrent versions. */
  | 'write-conflict'
  /** The resource's `validate` hook refused the value the write would produce. */
  | 'rejected-by-validate'
  /** The store failed to make the version durable; nothing was applied. */
  | 'store-failed'
  /** A version named by a server-side call (`braid.revert`) is not in the history. */
  | 'unknown-version'
  /** Several nodes: the shared log (Redis) cannot be reached; nothing was applied, retry later. */
  | 'shared-log-unavailable'
  /** Several nodes: the write lost the race to other nodes too many times in a row; retry later. */
  | 'write-contention'
  /** Several nodes: the Version is already in the shared log, taken by a different write. */
  | 'version-taken';

export class ResourceError extends Error {
  override name = 'ResourceError';
  readonly code: ResourceErrorCode;

  constructor(code: ResourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

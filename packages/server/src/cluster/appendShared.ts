import { reasonOf } from '../errors';
import { ResourceError } from '../resource/resourceError';
import type { VersionRecord } from '../store/types';
import {
  HeadMovedError,
  type SeqRecord,
  type SharedLog,
  SharedLogUnavailableError,
  VersionTakenError,
} from './sharedLog';

/** Attempts of one write against a log that other nodes keep moving (each lost one reloads and rebases). */
export const MAX_APPEND_ATTEMPTS = 16;

export type SharedAppendOutcome =
  | { kind: 'appended' }
  | { kind: 'moved'; missed: readonly SeqRecord[] }
  | { kind: 'duplicate' };

/**
 * One compare-and-set append of a rebased write to the shared log, its failures turned into what the writer
 * is told: a lost race → 'moved' (the caller ingests the missed versions and rebases again), or
 * 'write-contention' (503 + Retry-After) once `attempt` reaches the bound; the Version taken by the same write
 * → 'duplicate' (200), by a different write → 'version-taken' (409); the log unreachable →
 * 'shared-log-unavailable' (503 + Retry-After). Never a 200 for a version the log refused.
 */
export async function appendShared(
  shared: SharedLog,
  path: string,
  baseSeq: number,
  record: VersionRecord,
  digest: string,
  attempt: number,
  reportError: (error: unknown, context: string) => void,
): Promise<SharedAppendOutcome> {
  try {
    await shared.appendAt(path, baseSeq, record, digest);
    return { kind: 'appended' };
  } catch (error) {
    if (error instanceof HeadMovedError) {
      if (attempt < MAX_APPEND_ATTEMPTS) return { kind: 'moved', missed: error.missed };
      throw new ResourceError(
        'write-contention',
        `the write lost the race to other nodes ${attempt} times in a row and was not applied; retry`,
        { retryAfterSeconds: 1 },
      );
    }
    if (error instanceof VersionTakenError) {
      if (error.digest === digest) return { kind: 'duplicate' };
      throw new ResourceError(
        'version-taken',
        `Version ${JSON.stringify(record.version)} is already taken by a different write`,
      );
    }
    if (error instanceof SharedLogUnavailableError) throw sharedLogUnavailable(error);
    reportError(error, `shared log append (${JSON.stringify(path)})`);
    throw new ResourceError(
      'store-failed',
      `the write could not be stored, so it was not applied: ${reasonOf(error)}`,
      { cause: error },
    );
  }
}

/** Refusal of writes, reads and subscriptions on a node that cannot reach the shared log (it may be behind). */
export function sharedLogUnavailable(cause?: unknown): ResourceError {
  const why = cause === undefined ? 'this node lost its connection to it' : reasonOf(cause);
  return new ResourceError(
    'shared-log-unavailable',
    `the shared log is unreachable (${why}); nothing was applied; retry (another node may serve)`,
    { cause, retryAfterSeconds: 1 },
  );
}

import { HttpError, reasonOf } from '../errors';
import type { VersionRecord } from '../store/types';
import {
  HeadMovedError,
  type SeqRecord,
  type SharedLog,
  SharedLogUnavailableError,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
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
 * is told: a lost race → 'moved' (the caller ingests the missed versions and rebases again), or 503 +
 * Retry-After once `attempt` reaches the bound; the Version taken by the same write → 'duplicate' (200), by a
 * different write → 409; the log unreachable → 503 + Retry-After. Never a 200 for a version the log refused.
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
      throw new HttpError(503, `too many concurrent writes to this resource; the write was not applied`, {
        'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      });
    }
    if (error instanceof VersionTakenError) {
      if (error.digest === digest) return { kind: 'duplicate' };
      throw new HttpError(
        409,
        `Version ${JSON.stringify(record.version)} is already taken by a different write`,
      );
    }
    if (error instanceof SharedLogUnavailableError) {
      throw new HttpError(
        503,
        `the shared log is unreachable, so the write was not applied: ${reasonOf(error)}`,
        {
          'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
        },
      );
    }
    reportError(error, `shared log append (${JSON.stringify(path)})`);
    throw new HttpError(500, `the write could not be stored, so it was not applied: ${reasonOf(error)}`);
  }
}

/** The 503 for reads and subscriptions on a node that cannot reach the shared log (it may be behind). */
export function sharedLogUnavailable(): HttpError {
  return new HttpError(
    503,
    'this node has lost its connection to the shared log; retry (another node may serve)',
    {
      'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
    },
  );
}

import type { BraidError } from '@braid-live/core';

export interface LoggedError {
  error: BraidError;
  at: number;
}

/**
 * The last error any resource reported (rejected writes, edits overridden by concurrent ones, refusals), as a
 * tiny external store for useSyncExternalStore. Statuses only hold the current error; conflicts and rejections
 * are events, so they are kept here to be shown for a while.
 */
export function createErrorLog() {
  let last: LoggedError | undefined;
  const listeners = new Set<() => void>();
  return {
    report(error: BraidError): void {
      last = { error, at: Date.now() };
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getLast: (): LoggedError | undefined => last,
  };
}

export type ErrorLog = ReturnType<typeof createErrorLog>;

import type { BraidLimits } from '../limits';
import type { BraidStore } from '../store/types';

/** What every resource of one server shares. */
export interface ServerContext {
  readonly store: BraidStore;
  readonly limits: BraidLimits;
  /** A fresh version id for writes that did not bring one (and for server-side writes). */
  newVersionId(): string;
  /** Unexpected errors (store failures, bugs, throwing listeners): logged, never thrown at a client. */
  reportError(error: unknown, context: string): void;
}

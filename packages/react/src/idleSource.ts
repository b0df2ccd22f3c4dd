import { BraidError, type ResourceStatus } from '@braid-live/core';
import { type LiveSource, standIn } from './serverRender';

/**
 * The status of a hook whose key is null or undefined (`useBraid(null)`, `useBraid(ready ? url : null)`): no
 * resource, no subscription, nothing pending, never an error.
 */
export interface IdleStatus {
  state: 'idle';
  pending: 0;
  pendingVersions: readonly [];
  version?: undefined;
  error?: undefined;
}

/** What a hook whose key may be null reports: the resource's status, or idle while the key is null. */
export type BraidStatus = ResourceStatus | IdleStatus;

/** The same object every time, so useSyncExternalStore sees no change. */
export const IDLE_STATUS: IdleStatus = Object.freeze({
  state: 'idle',
  pending: 0,
  pendingVersions: Object.freeze([]) as readonly [],
});

/**
 * A write through a null key has nowhere to go: it throws at once (a BraidError of kind 'invalid', like a value
 * JSON cannot carry) rather than being dropped, so the mistake shows where it is made.
 */
function refuseWrite(): never {
  throw new BraidError(
    'invalid',
    '',
    '@braid-live/react: cannot write: the key is null, so there is no resource (a setter of useBraid(null) ' +
      'refuses every write; write once the key is a URL)',
  );
}

const IDLE_SOURCE: LiveSource<unknown> = standIn(IDLE_STATUS, refuseWrite);

/** The stand-in for a null key: no value, idle, no subscription, writes refused (one object for every null key). */
export function idleSource<T>(): LiveSource<T> {
  return IDLE_SOURCE as LiveSource<T>;
}

import type { ClientResource, ResourceStatus } from '@braid-live/core';
import type { BraidStatus } from './idleSource';

/** What the hooks read from a resource (or from a stand-in: a server render, a null key). */
export interface LiveSource<T>
  extends Pick<ClientResource<T>, 'subscribe' | 'getSnapshot' | 'set' | 'ready'> {
  getStatus(): BraidStatus;
}

/**
 * True while React renders outside a browser (SSR, RSC prerender): the hooks then open no connection (a server
 * render has no page URL to resolve `/api/doc` against, and should not wait on a live stream); they render
 * `initialData` with status 'connecting', and the browser connects after hydration.
 */
export const isServer = typeof window === 'undefined';

const SERVER_STATUS: ResourceStatus = Object.freeze({
  state: 'connecting' as const,
  pending: 0,
  pendingVersions: [],
  canUndo: false,
  canRedo: false,
});
const NEVER = new Promise<void>(() => {});
const noSubscription = () => () => {};

/** A stand-in for a resource: no value, a fixed status, no subscription, every write refused by `refuse`. */
export function standIn<T>(status: BraidStatus, refuse: () => never): LiveSource<T> {
  return {
    subscribe: noSubscription,
    getSnapshot: () => undefined,
    getStatus: () => status,
    set: refuse,
    ready: NEVER,
  };
}

/** The stand-in for a resource during a server render: no value yet, connecting, not writable. */
export function serverSource<T>(url: string): LiveSource<T> {
  return standIn(SERVER_STATUS, () => {
    throw new Error(`@braid-live/react: cannot write ${url} during a server render`);
  });
}

/** The error `useBraid(url, { suspense: true })` throws in a server render that has no initialData. */
export function serverSuspenseError(url: string): Error {
  return new Error(
    `useBraid('${url}', { suspense: true }) rendered on the server without initialData: the server render does ` +
      'not fetch live resources. Pass initialData (loaded by your server), or render this component only in the browser.',
  );
}

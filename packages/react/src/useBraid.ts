import { type ClientResource, type ResourceStatus, type ResourceToken, resourcePath } from '@braid-live/core';
import { useMemo, useSyncExternalStore } from 'react';
import { missingProvider, useBraidClient, useOptionalBraidClient } from './BraidProvider';
import { type BraidStatus, idleSource } from './idleSource';
import { isServer, type LiveSource, serverSource, serverSuspenseError } from './serverRender';
import { suspendUntil } from './suspend';

export interface UseBraidOptions<T> {
  /**
   * Suspend until the first value arrives (needs a <Suspense> boundary). In a server render (which does not
   * fetch) it needs `initialData`, and throws a clear error without it. A null key never suspends.
   */
  suspense?: boolean;
  /** Shown until the first value arrives (first paint, and what a server render shows). Not for a null key. */
  initialData?: T;
}

/**
 * What names a resource in the hooks: its URL, or a token from `defineResource` (which also gives the hooks
 * the document type: `useBraid(doc)` is typed without a type argument).
 */
export type BraidKey<T = unknown> = string | ResourceToken<T>;

/**
 * A key that may be absent: `null` or `undefined` mean "no resource (yet)", as SWR's null key — no
 * subscription, value undefined, status idle, writes refused. For dependent and conditional resources:
 * `useBraid(user ? `/api/users/${user.id}` : null)`.
 */
export type MaybeBraidKey<T = unknown> = BraidKey<T> | null | undefined;

/** The write function of a hook (the resource's own `set`: stable across renders). */
export type BraidSetter<T> = ClientResource<T>['set'];

/** The ClientResource for `url` from the nearest client (one per URL, shared by every component). Browser only. */
export function useResource<T = unknown>(key: BraidKey<T>): ClientResource<T> {
  const client = useBraidClient();
  const url = resourcePath(key);
  return useMemo(() => client.resource<T>(url), [client, url]);
}

/**
 * The resource in a browser; in a server render a stand-in that has no value and opens no connection; for a
 * null key the idle stand-in (no client needed).
 */
export function useLiveSource<T>(key: MaybeBraidKey<T>): LiveSource<T> {
  const client = useOptionalBraidClient();
  // By path, so that a token made during render (`docs.at({ id })`) is the same key as the last one.
  const url = key === null || key === undefined ? undefined : resourcePath(key);
  return useMemo(() => {
    if (url === undefined) return idleSource<T>();
    if (!client) throw missingProvider();
    return isServer ? serverSource<T>(url) : client.resource<T>(url);
  }, [client, url]);
}

/**
 * Reads a remote resource like a local variable and writes it like one:
 * `const [doc, setDoc, status] = useBraid<Doc>('/api/doc')` (or `useBraid(docToken)`, typed by the token);
 * `setDoc(d => { d.title = 'x' })`.
 *
 * With a key that may be null (`useBraid(id ? `/api/docs/${id}` : null)`), the value may be undefined even with
 * `suspense` or `initialData`, and the status may be idle: see MaybeBraidKey.
 */
export function useBraid<T = unknown>(
  key: BraidKey<T>,
  options: UseBraidOptions<T> & { suspense: true },
): [T, BraidSetter<T>, ResourceStatus];
export function useBraid<T = unknown>(
  key: BraidKey<T>,
  options: UseBraidOptions<T> & { initialData: T },
): [T, BraidSetter<T>, ResourceStatus];
export function useBraid<T = unknown>(
  key: BraidKey<T>,
  options?: UseBraidOptions<T>,
): [T | undefined, BraidSetter<T>, ResourceStatus];
export function useBraid<T = unknown>(
  key: MaybeBraidKey<T>,
  options?: UseBraidOptions<T>,
): [T | undefined, BraidSetter<T>, BraidStatus];
export function useBraid<T>(
  key: MaybeBraidKey<T>,
  options: UseBraidOptions<T> = {},
): [T | undefined, BraidSetter<T>, BraidStatus] {
  const resource = useLiveSource<T>(key);
  const idle = key === null || key === undefined;
  // A null key shows nothing, not even initialData: there is no resource the data could be the start of.
  const initialData = idle ? undefined : options.initialData;
  const value = useSyncExternalStore(resource.subscribe, resource.getSnapshot, () => initialData);
  const status = useSyncExternalStore(resource.subscribe, resource.getStatus, resource.getStatus);
  const shown = value ?? initialData;
  if (shown === undefined && options.suspense && !idle) {
    if (isServer) throw serverSuspenseError(resourcePath(key));
    suspendUntil(resource.ready);
  }
  return [shown, resource.set, status];
}

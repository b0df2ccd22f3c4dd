import type { Resource, ResourceStatus, SetAction } from '@braid-live/core';
import { useMemo, useSyncExternalStore } from 'react';
import { useBraidClient } from './BraidProvider';
import { isServer, type LiveSource, serverSource, serverSuspenseError } from './serverRender';
import { suspendUntil } from './suspend';

export interface UseBraidOptions<T> {
  /**
   * Suspend until the first value arrives (needs a <Suspense> boundary). In a server render (which does not
   * fetch) it needs `initialData`, and throws a clear error without it.
   */
  suspense?: boolean;
  /** Shown until the first value arrives (first paint, and what a server render shows). */
  initialData?: T;
}

/** The Resource for `url` from the nearest client (one per URL, shared by every component). Browser only. */
export function useResource<T>(url: string): Resource<T> {
  const client = useBraidClient();
  return useMemo(() => client.resource<T>(url), [client, url]);
}

/** The resource in a browser; in a server render a stand-in that has no value and opens no connection. */
export function useLiveSource<T>(url: string): LiveSource<T> {
  const client = useBraidClient();
  return useMemo(() => (isServer ? serverSource<T>(url) : client.resource<T>(url)), [client, url]);
}

/**
 * Reads a remote resource like a local variable and writes it like one:
 * `const [doc, setDoc, status] = useBraid<Doc>('/api/doc')`; `setDoc(d => { d.title = 'x' })`.
 */
export function useBraid<T>(
  url: string,
  options: UseBraidOptions<T> & { suspense: true },
): [T, (action: SetAction<T>) => Promise<void>, ResourceStatus];
export function useBraid<T>(
  url: string,
  options: UseBraidOptions<T> & { initialData: T },
): [T, (action: SetAction<T>) => Promise<void>, ResourceStatus];
export function useBraid<T>(
  url: string,
  options?: UseBraidOptions<T>,
): [T | undefined, (action: SetAction<T>) => Promise<void>, ResourceStatus];
export function useBraid<T>(url: string, options: UseBraidOptions<T> = {}) {
  const resource = useLiveSource<T>(url);
  const initialData = options.initialData;
  const value = useSyncExternalStore(resource.subscribe, resource.getSnapshot, () => initialData);
  const status = useSyncExternalStore(resource.subscribe, resource.getStatus, resource.getStatus);
  const shown = value ?? initialData;
  if (shown === undefined && options.suspense) {
    if (isServer) throw serverSuspenseError(url);
    suspendUntil(resource.ready);
  }
  return [shown, resource.set, status] as const;
}

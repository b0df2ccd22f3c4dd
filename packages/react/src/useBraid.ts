import type { Resource, ResourceStatus, SetAction } from '@braid-live/core';
import { use, useMemo, useSyncExternalStore } from 'react';
import { useBraidClient } from './BraidProvider';

export interface UseBraidOptions<T> {
  /** Suspend until the first value arrives (needs a <Suspense> boundary). */
  suspense?: boolean;
  /** Shown until the first value arrives (first paint, SSR). */
  initialData?: T;
}

/** The Resource for `url` from the nearest client (one per URL, shared by every component). */
export function useResource<T>(url: string): Resource<T> {
  const client = useBraidClient();
  return useMemo(() => client.resource<T>(url), [client, url]);
}

/**
 * Reads a remote resource like a local variable and writes it like one:
 * `const [doc, setDoc, status] = useBraid<Doc>('/api/doc')`; `setDoc(d => { d.title = 'x' })`.
 */
export function useBraid<T>(
  url: string,
  options: UseBraidOptions<T> & { suspense: true },
): [T, (action: SetAction<T>) => void, ResourceStatus];
export function useBraid<T>(
  url: string,
  options: UseBraidOptions<T> & { initialData: T },
): [T, (action: SetAction<T>) => void, ResourceStatus];
export function useBraid<T>(
  url: string,
  options?: UseBraidOptions<T>,
): [T | undefined, (action: SetAction<T>) => void, ResourceStatus];
export function useBraid<T>(url: string, options: UseBraidOptions<T> = {}) {
  const resource = useResource<T>(url);
  const initialData = options.initialData;
  const value = useSyncExternalStore(resource.subscribe, resource.getSnapshot, () => initialData);
  const status = useSyncExternalStore(resource.subscribe, resource.getStatus, resource.getStatus);
  if (value === undefined && options.suspense) use(resource.ready);
  return [value ?? initialData, resource.set, status] as const;
}

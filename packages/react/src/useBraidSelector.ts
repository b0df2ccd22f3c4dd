import { useCallback } from 'react';
import { useSyncExternalStoreWithSelector } from 'use-sync-external-store/with-selector';
import { useResource } from './useBraid';

/**
 * Reads a slice of a remote resource; the component re-renders only when the slice changes (by `isEqual`,
 * default Object.is — unchanged subtrees keep their identity, so object slices compare cheaply).
 * Before the first value arrives the slice is undefined.
 */
export function useBraidSelector<T, S>(
  url: string,
  selector: (value: T) => S,
  isEqual?: (a: S | undefined, b: S | undefined) => boolean,
): S | undefined {
  const resource = useResource<T>(url);
  const select = useCallback(
    (value: T | undefined) => (value === undefined ? undefined : selector(value)),
    [selector],
  );
  return useSyncExternalStoreWithSelector(
    resource.subscribe,
    resource.getSnapshot,
    resource.getSnapshot,
    select,
    isEqual,
  );
}

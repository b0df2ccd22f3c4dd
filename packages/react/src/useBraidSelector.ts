import { useCallback, useRef, useSyncExternalStore } from 'react';
import { type MaybeBraidKey, useLiveSource } from './useBraid';

interface Selection<T, S> {
  snapshot: T | undefined;
  selector: (value: T) => S;
  selected: S | undefined;
}

/**
 * Reads a slice of a remote resource; the component re-renders only when the slice changes (by `isEqual`,
 * default Object.is — unchanged subtrees keep their identity, so object slices compare cheaply).
 * Before the first value arrives (in a server render, and for a null key) the slice is undefined.
 */
export function useBraidSelector<T, S>(
  key: MaybeBraidKey<T>,
  selector: (value: T) => S,
  isEqual: (a: S | undefined, b: S | undefined) => boolean = Object.is,
): S | undefined {
  const resource = useLiveSource<T>(key);
  // The last selection, so one snapshot is selected once, and an equal slice keeps its identity (React's own
  // useSyncExternalStore then bails out of the render). A cache only: safe to write during render.
  const last = useRef<Selection<T, S> | null>(null);
  const select = useCallback(() => {
    const snapshot = resource.getSnapshot();
    const prev = last.current;
    if (prev && prev.snapshot === snapshot && prev.selector === selector) return prev.selected;
    const next = snapshot === undefined ? undefined : selector(snapshot);
    const selected = prev && isEqual(prev.selected, next) ? prev.selected : next;
    last.current = { snapshot, selector, selected };
    return selected;
  }, [resource, selector, isEqual]);
  return useSyncExternalStore(resource.subscribe, select, select);
}

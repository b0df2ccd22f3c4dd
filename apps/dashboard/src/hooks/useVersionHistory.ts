import { useEffect, useRef, useState } from 'react';
import { fetchHistory, type VersionEntry } from '../lib/versions';

const MIN_INTERVAL_MS = 700;

/**
 * The recent versions of a resource, refetched when its version changes. Typing makes a version per keystroke,
 * so refetches are throttled (at most one per MIN_INTERVAL_MS, the last one after the last change) and a late
 * answer never replaces a newer one.
 */
export function useVersionHistory(
  url: string,
  limit: number,
  /** The resource's current version (refetched when it changes); undefined until it is known. */
  version: string | undefined,
): { entries?: VersionEntry[]; error?: string } {
  const [state, setState] = useState<{ url: string; entries?: VersionEntry[]; error?: string }>({ url });
  const lastFetchAt = useRef(0);
  const sequence = useRef(0);

  useEffect(() => {
    if (version === undefined) return;
    const wait = Math.max(0, lastFetchAt.current + MIN_INTERVAL_MS - Date.now());
    const timer = setTimeout(() => {
      lastFetchAt.current = Date.now();
      const mine = ++sequence.current;
      fetchHistory(url, limit).then(
        (entries) => {
          if (mine === sequence.current) setState({ url, entries });
        },
        (error: Error) => {
          if (mine === sequence.current) setState((prev) => ({ ...prev, url, error: error.message }));
        },
      );
    }, wait);
    return () => clearTimeout(timer);
  }, [url, limit, version]);

  // An answer for another url (the panel switched documents meanwhile) is not shown.
  return state.url === url ? state : {};
}

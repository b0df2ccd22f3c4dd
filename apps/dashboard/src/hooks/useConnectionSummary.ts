import type { BraidError, ConnectionState, ResourceStatus } from '@braid-live/core';
import { useBraidClient } from '@braid-live/react';
import { useCallback, useMemo, useRef, useSyncExternalStore } from 'react';

export interface ConnectionSummary {
  total: number;
  live: number;
  /** The overall state: the worst state of any resource (error > offline > reconnecting > connecting > live). */
  state: ConnectionState;
  /** Resources that are not live, with their state. */
  notLive: { url: string; state: ConnectionState }[];
  /** Local edits not yet confirmed by the server, over all resources. */
  pending: number;
  /** The current error of some resource, if any. */
  error?: BraidError;
}

const SEVERITY: Record<ConnectionState, number> = {
  live: 0,
  connecting: 1,
  reconnecting: 2,
  offline: 3,
  error: 4,
};

function summarize(urls: readonly string[], statuses: ResourceStatus[]): ConnectionSummary {
  let state: ConnectionState = 'live';
  let pending = 0;
  let error: BraidError | undefined;
  const notLive: ConnectionSummary['notLive'] = [];
  statuses.forEach((status, i) => {
    pending += status.pending;
    error ??= status.error;
    if (status.state !== 'live') notLive.push({ url: urls[i], state: status.state });
    if (SEVERITY[status.state] > SEVERITY[state]) state = status.state;
  });
  return { total: statuses.length, live: statuses.length - notLive.length, state, notLive, pending, error };
}

const sameSummary = (a: ConnectionSummary, b: ConnectionSummary) =>
  a.state === b.state &&
  a.live === b.live &&
  a.pending === b.pending &&
  a.error === b.error &&
  a.notLive.length === b.notLive.length &&
  a.notLive.every((entry, i) => entry.url === b.notLive[i].url && entry.state === b.notLive[i].state);

/**
 * One summary of the connection state of many resources. Statuses change with every version (they carry it),
 * so the summary is compared field by field and keeps its identity until something shown actually changes:
 * a status bar over ten live feeds does not re-render on every tick.
 */
export function useConnectionSummary(urls: readonly string[]): ConnectionSummary {
  const client = useBraidClient();
  const resources = useMemo(() => urls.map((url) => client.resource(url)), [client, urls]);
  const last = useRef<ConnectionSummary | undefined>(undefined);
  const subscribe = useCallback(
    (onChange: () => void) => {
      const stops = resources.map((resource) => resource.subscribe(onChange));
      return () => {
        for (const stop of stops) stop();
      };
    },
    [resources],
  );
  const getSnapshot = useCallback(() => {
    const next = summarize(
      urls,
      resources.map((resource) => resource.getStatus()),
    );
    if (last.current && sameSummary(last.current, next)) return last.current;
    last.current = next;
    return next;
  }, [resources, urls]);
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

import type { ResourceStatus } from '@braid-live/core';
import { useSyncExternalStore } from 'react';
import { useLiveSource } from './useBraid';

/** Connection state, version, pending writes and last error of `url`, without reading its value. */
export function useBraidStatus(url: string): ResourceStatus {
  const resource = useLiveSource(url);
  return useSyncExternalStore(resource.subscribe, resource.getStatus, resource.getStatus);
}

import type { ResourceStatus } from '@braid-live/core';
import { useSyncExternalStore } from 'react';
import type { BraidStatus } from './idleSource';
import { type BraidKey, type MaybeBraidKey, useLiveSource } from './useBraid';

/**
 * Connection state, version, pending writes and last error of a resource, without reading its value. For a null
 * key: `{ state: 'idle', pending: 0 }`, and no subscription.
 */
export function useBraidStatus<T>(key: BraidKey<T>): ResourceStatus;
export function useBraidStatus<T>(key: MaybeBraidKey<T>): BraidStatus;
export function useBraidStatus<T>(key: MaybeBraidKey<T>): BraidStatus {
  const resource = useLiveSource(key);
  return useSyncExternalStore(resource.subscribe, resource.getStatus, resource.getStatus);
}

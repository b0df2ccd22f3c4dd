import type { UnsavedStatus } from '../tabs/TabHub';
import type { BraidClient } from './BraidClient';

export type { UnsavedStatus };

/**
 * Unconfirmed `set` calls of this tab and of the other tabs of the app open in this browser profile (with
 * `persist`; without, this tab's only). The same object until it changes (`onUnsavedChanges`), so it can back a
 * React `useSyncExternalStore`.
 */
export function unsavedChanges(client: BraidClient): UnsavedStatus {
  return client.hub?.unsaved() ?? { thisTab: client.pendingWrites(), otherTabs: 0, openTabs: 1 };
}

/**
 * Calls `listener` when `unsavedChanges(client)` may have changed: an edit of this tab's persisted resources, a
 * message from another tab. Without `persist`, never (poll `client.pendingWrites()`). Returns the unsubscribe.
 */
export function onUnsavedChanges(client: BraidClient, listener: () => void): () => void {
  const off = client.tabs?.().then((t) => t.hub?.onUnsavedChange(listener));
  return () => void off?.then((stop) => stop?.());
}

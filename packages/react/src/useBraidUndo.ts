import { resourcePath } from '@braid-live/core';
import { useMemo, useSyncExternalStore } from 'react';
import { useBraidClient } from './BraidProvider';
import { isServer } from './serverRender';
import type { BraidKey } from './useBraid';

/** Undo and redo of this client's own edits of one resource, for toolbar buttons and keyboard shortcuts. */
export interface BraidUndo {
  /** Undoes this client's latest edit (others' edits stay); resolves once the server confirmed the undo. */
  undo: () => Promise<void>;
  /** Applies the latest undone edit again; resolves once the server confirmed it. */
  redo: () => Promise<void>;
  canUndo: boolean;
  canRedo: boolean;
}

const NOTHING = () => Promise.resolve();
const noSubscription = () => () => {};
const SERVER_UNDO: BraidUndo = {
  undo: NOTHING,
  redo: NOTHING,
  canUndo: false,
  canRedo: false,
};

/**
 * `const { undo, redo, canUndo, canRedo } = useBraidUndo('/api/doc')`: re-renders only when canUndo or canRedo
 * changes. In a server render: nothing to undo.
 */
export function useBraidUndo(key: BraidKey): BraidUndo {
  const client = useBraidClient();
  const url = resourcePath(key);
  const resource = useMemo(() => (isServer ? undefined : client.resource(url)), [client, url]);
  // One number for both flags, so a status change that leaves them alone does not re-render.
  const flags = useSyncExternalStore(
    resource?.subscribe ?? noSubscription,
    () => (resource ? Number(resource.getStatus().canUndo) + 2 * Number(resource.getStatus().canRedo) : 0),
    () => 0,
  );
  return useMemo(
    () =>
      resource
        ? { undo: resource.undo, redo: resource.redo, canUndo: (flags & 1) === 1, canRedo: (flags & 2) === 2 }
        : SERVER_UNDO,
    [resource, flags],
  );
}

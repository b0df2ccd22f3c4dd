import type { BraidClient } from '../client/BraidClient';
import { BraidError } from '../client/BraidError';
import type { FetchLike } from '../client/types';
import { ClientPersistence, type PersistOptions } from '../persist/ClientPersistence';
import type { Network } from './LeaderRole';
import { reason } from './messages';
import { TabHub } from './TabHub';

export type { UnsavedStatus } from './TabHub';
export { TabHub };

/** What `persist` loads (a chunk of its own): the outbox, and the hub that shares one connection among tabs. */
export interface Tabs extends Network {
  persistence: ClientPersistence;
  /** Absent where there is no BroadcastChannel: then every tab keeps its own connection. */
  hub?: TabHub;
}

/**
 * Sets up `persist` for a client: its outbox, and (where there is BroadcastChannel) the tab hub its requests go
 * through. `fetch` and `subscribe` are the client's network, which the hub uses while this tab leads.
 */
export function startTabs(
  persist: 'indexeddb' | PersistOptions,
  client: BraidClient,
  fetch: FetchLike,
  subscribe: FetchLike,
): Tabs {
  const options = persist === 'indexeddb' ? {} : persist;
  const { context } = client;
  const persistence = new ClientPersistence(options);
  if (typeof BroadcastChannel === 'undefined') return { persistence, fetch, subscribe };
  const hub = new TabHub({
    name: options.name ?? 'braid-live',
    tab: persistence.tab,
    lockPrefix: persistence.lockPrefix,
    held: persistence.held,
    fetch,
    subscribe,
    rerouted: () => {
      client.networkChanged(true);
      adopt();
    },
    unsaved: () => client.pendingWrites(),
    adopt: () => adopt(),
  });
  client.hub = hub;
  // Outboxes of closed tabs are sent by the leader as a page load would (plain PUTs under their Versions).
  const adopt = () => {
    if (!hub.isLeader) return;
    void persistence
      .adopt(
        (url) => ({
          url,
          fetch: hub.fetch,
          peer: context.peer,
          headers: () => context.headers(),
          nextVersionId: context.nextVersionId,
          report: context.reportError,
        }),
        hub.isGone,
      )
      .catch((error) =>
        context.reportError(new BraidError('storage', '', `persist: ${reason(error)}`, { cause: error })),
      );
  };
  persistence.tabs = hub;
  globalThis.addEventListener?.('online', adopt); // what an earlier try could not send goes when the network is back
  return { persistence, hub, fetch: hub.fetch, subscribe: hub.subscribe };
}

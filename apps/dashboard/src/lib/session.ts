import { BraidClient, warnBeforeUnload } from '@braid-live/core';
import { createErrorLog, type ErrorLog } from './errorLog';
import { createIdentity, type Identity } from './identity';

export interface Session {
  identity: Identity;
  client: BraidClient;
  errors: ErrorLog;
}

/** One per page load: who we are, the BraidClient every hook shares, and the error log. */
export function createSession(): Session {
  const identity = createIdentity();
  const errors = createErrorLog();
  const client = new BraidClient({
    peer: identity.peer,
    // A demo is often restarted: come back within a few seconds rather than the default 10 s cap.
    retry: { baseMs: 250, maxMs: 4000 },
    // 14 subscriptions, and browsers open at most 6 HTTP/1.1 connections per origin for all tabs together:
    // one stream per tab (Multiplexing v1.0), so five tabs of the demo all load. 'auto' is the default; said
    // here because the page depends on it. Over HTTP/2 it is not needed and 'auto' leaves it off.
    multiplex: 'auto',
    // Edits survive a reload or a tab closed offline (resent under their Versions by the next page load), and a
    // page opened while the server is away shows the last known values at once. Bump appVersion when the shape
    // of a shared resource changes: edits saved by another version are reported, not replayed.
    // Only the shared panels people edit: the live feeds change many times a second and only the server writes them.
    persist: {
      name: 'braid-live-dashboard',
      appVersion: '1',
      include: (url) => url.includes('/api/shared/'),
    },
    onError: errors.report,
  });
  warnBeforeUnload(client);
  return { identity, client, errors };
}

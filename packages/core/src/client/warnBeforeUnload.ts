import type { BraidClient } from './BraidClient';

/**
 * Asks the browser to warn before the page unloads while this page has edits the server has not confirmed
 * (`beforeunload`; browsers show their own wording). With `persist` the edits would survive anyway, but they
 * reach the server only when a page of the app is opened again. Returns the function that stops warning.
 */
export function warnBeforeUnload(client: Pick<BraidClient, 'pendingWrites'>): () => void {
  if (typeof window === 'undefined') return () => {};
  const onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (client.pendingWrites() === 0) return;
    event.preventDefault();
    event.returnValue = ''; // older browsers need it set
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  return () => window.removeEventListener('beforeunload', onBeforeUnload);
}

import type { BraidClient } from './BraidClient';
import { unsavedChanges } from './unsaved';

/**
 * Asks the browser to warn before the page unloads while edits would stay unsent (`beforeunload`; browsers show
 * their own wording): without `persist`, while this page has edits the server has not confirmed. With `persist`
 * the edits survive anyway, and another open tab of the app takes them over and sends them at once, so it warns
 * only when this is the app's last tab and something is unconfirmed: else it would reach the server only when a
 * page of the app is opened again. Returns the function that stops warning.
 */
export function warnBeforeUnload(client: BraidClient): () => void {
  if (typeof window === 'undefined') return () => {};
  const onBeforeUnload = (event: BeforeUnloadEvent) => {
    const { thisTab, otherTabs, openTabs } = unsavedChanges(client);
    if (thisTab + otherTabs === 0 || openTabs > 1) return;
    event.preventDefault();
    event.returnValue = ''; // older browsers need it set
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  return () => window.removeEventListener('beforeunload', onBeforeUnload);
}

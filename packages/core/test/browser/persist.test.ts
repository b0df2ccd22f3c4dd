// `persist: 'indexeddb'` in real chromium (one browser context = one profile, its IndexedDB and Web Locks): edits
// made offline in two tabs survive closing both tabs and a server restart, the next page load sends each exactly
// once, and a page opened while the server is away shows the last confirmed value at once. The page comes from
// one origin, the Braid resources from another (CORS), so the API can be stopped while pages still load.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Doc, usePersistHarness } from './persistHarness';

const harness = usePersistHarness('persist-test');
const { openTab, tabsGone, serverItems } = harness;

const snapshot = (tab: Page) =>
  tab.evaluate(() => (window as unknown as { doc: { getSnapshot(): Doc } }).doc.getSnapshot());
const status = (tab: Page) =>
  tab.evaluate(() =>
    (window as unknown as { doc: { getStatus(): { state: string; pending: number } } }).doc.getStatus(),
  );
const push = (tab: Page, item: string) =>
  tab.evaluate((i) => (window as unknown as { push(i: string): void }).push(i), item);
const ready = (tab: Page) =>
  tab.waitForFunction(
    () => (window as unknown as { doc: { getSnapshot(): unknown } }).doc.getSnapshot() !== undefined,
  );

/** Waits until the profile's IndexedDB holds a confirmed state of /doc (saved asynchronously after it arrives). */
async function cached(tab: Page): Promise<void> {
  await tab.waitForFunction(async () => {
    // Never open a database the client has not created (that would create it empty, at its version).
    if (!(await indexedDB.databases()).some((d) => d.name === 'persist-test')) return false;
    return new Promise<boolean>((resolve) => {
      const open = indexedDB.open('persist-test');
      open.onerror = () => resolve(false);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('replicas')) return resolve(false);
        const all = db.transaction('replicas').objectStore('replicas').getAll();
        all.onsuccess = () => {
          db.close();
          resolve(all.result.some((r: { confirmed?: unknown }) => r.confirmed !== undefined));
        };
        all.onerror = () => resolve(false);
      };
    });
  });
}

describe("persist: 'indexeddb' in chromium", () => {
  it('edits made offline in two tabs survive closing both and a server restart; each reaches the server once', {
    timeout: 90_000,
  }, async () => {
    const context = await harness.browser.newContext();
    const a = await openTab(context);
    const b = await openTab(context);
    await Promise.all([ready(a), ready(b)]);
    await push(a, 'online');
    await expect.poll(serverItems, { timeout: 10_000 }).toEqual(['online']);

    await context.setOffline(true);
    await push(a, 'a-offline');
    await push(b, 'b-offline-1');
    await push(b, 'b-offline-2');
    // Shown at once, while offline: its own edit, and (persistTabs.test.ts) the other tab's on top.
    await expect
      .poll(async () => (await snapshot(a)).items, { timeout: 10_000 })
      .toEqual(['online', 'a-offline', 'b-offline-1', 'b-offline-2']);
    await expect
      .poll(
        () =>
          a.evaluate(() =>
            (
              window as unknown as { client: { unconfirmedWrites(): Promise<number> } }
            ).client.unconfirmedWrites(),
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(3); // both tabs' edits are in the outbox of this profile
    await a.close();
    await b.close();

    // The server is killed and restarted meanwhile (fileStore: it keeps what it had).
    await harness.stopApi();
    await harness.startApi();
    await context.setOffline(false);
    await tabsGone(context);

    const c = await openTab(context);
    await ready(c);
    await expect
      .poll(async () => (await serverItems()).slice().sort(), { timeout: 15_000 })
      .toEqual(['a-offline', 'b-offline-1', 'b-offline-2', 'online'].sort());
    await expect.poll(async () => (await status(c)).pending, { timeout: 10_000 }).toBe(0);
    const items = await serverItems();
    expect(items).toHaveLength(4); // exactly once each
    expect(items.indexOf('b-offline-1')).toBeLessThan(items.indexOf('b-offline-2'));
    await expect.poll(async () => (await snapshot(c)).items, { timeout: 10_000 }).toEqual(items);
    await expect
      .poll(() =>
        c.evaluate(() =>
          (
            window as unknown as { client: { unconfirmedWrites(): Promise<number> } }
          ).client.unconfirmedWrites(),
        ),
      )
      .toBe(0);

    // Another profile (a second person) agrees.
    const other = await harness.browser.newContext();
    const d = await openTab(other);
    await ready(d);
    await expect.poll(async () => (await snapshot(d)).items, { timeout: 10_000 }).toEqual(items);
    await other.close();
    await context.close();
  });

  it('a page opened while the server is down shows the last confirmed value at once, then goes live', {
    timeout: 90_000,
  }, async () => {
    const context = await harness.browser.newContext();
    const first = await openTab(context);
    await ready(first);
    const known = await snapshot(first);
    await cached(first);
    await first.close();
    await tabsGone(context);

    await harness.stopApi();
    const reopened = await openTab(context); // the page loads (its own origin); the API does not answer
    await ready(reopened);
    expect(await snapshot(reopened)).toEqual(known);
    expect((await status(reopened)).state).not.toBe('live');

    await harness.startApi();
    await expect.poll(async () => (await status(reopened)).state, { timeout: 15_000 }).toBe('live');
    await push(reopened, 'after');
    await expect.poll(async () => (await serverItems()).at(-1), { timeout: 10_000 }).toBe('after');
    await context.close();
  });
});

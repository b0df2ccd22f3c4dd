// `persist: 'indexeddb'` in real chromium (one browser context = one profile, its IndexedDB and Web Locks): edits
// made offline in two tabs survive closing both tabs and a server restart, the next page load sends each exactly
// once, and a page opened while the server is away shows the last confirmed value at once. The page comes from
// one origin, the Braid resources from another (CORS), so the API can be stopped while pages still load.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BraidServer, createBraidServer, fileStore } from '@braid-live/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../e2e/support/chromium';
import { type PageServer, startPageServer } from './pageServer';

interface Doc {
  items: string[];
}

const page = `<!doctype html><meta charset="utf-8"><title>persist</title>
<script src="/braid-live.js"></script>
<script>
  const api = decodeURIComponent(location.hash.slice(1));
  const client = new BraidLive.BraidClient({
    baseUrl: api, persist: { name: 'persist-test' }, retry: { baseMs: 50, maxMs: 500 }, headTimeoutMs: 1000,
    onError: (e) => { if (e.kind !== 'network' && e.kind !== 'http') console.error('braid-live:', e.kind, e.message); },
  });
  const doc = client.resource('/doc');
  doc.subscribe(() => {});
  window.client = client;
  window.doc = doc;
  window.push = (item) => { doc.set((d) => { d.items.push(item); }).catch(() => {}); };
</script>`;
const blank = '<!doctype html><meta charset="utf-8"><title>blank</title>';

let pages: PageServer;
let dataDir: string;
let api: { braid: BraidServer; server: http.Server; port: number } | undefined;
let apiPort = 0;
let browser: Browser;

/** The Braid API on its own origin, on the same port every time (clients resume against it). */
async function startApi(): Promise<void> {
  const braid = createBraidServer({ store: fileStore(dataDir), cors: [pages.base] });
  braid.resource('/doc', { initial: { items: [] } });
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(apiPort, '127.0.0.1', resolve));
  apiPort = (server.address() as AddressInfo).port;
  api = { braid, server, port: apiPort };
}

async function stopApi(): Promise<void> {
  if (!api) return;
  const { braid, server } = api;
  api = undefined;
  await braid.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

const serverItems = async () => ((await api!.braid.get('/doc')).value as Doc).items;

async function openTab(context: BrowserContext): Promise<Page> {
  const tab = await context.newPage();
  tab.setDefaultTimeout(20_000);
  await tab.goto(`${pages.base}/#${encodeURIComponent(`http://127.0.0.1:${apiPort}`)}`);
  return tab;
}

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

/** Waits until no tab of `context` holds its lock any more (closed tabs release them asynchronously). */
async function tabsGone(context: BrowserContext): Promise<void> {
  const probe = await context.newPage();
  await probe.goto(`${pages.base}/blank`);
  await probe.waitForFunction(async () => {
    const { held = [] } = await navigator.locks.query();
    return !held.some((lock) => lock.name?.startsWith('braid-live-tab:'));
  });
  await probe.close();
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'braid-persist-browser-'));
  pages = await startPageServer({ '/': page, '/blank': blank }, () => {});
  await startApi();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopApi();
  await pages?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("persist: 'indexeddb' in chromium", () => {
  it('edits made offline in two tabs survive closing both and a server restart; each reaches the server once', {
    timeout: 90_000,
  }, async () => {
    const context = await browser.newContext();
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
    await stopApi();
    await startApi();
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
    const other = await browser.newContext();
    const d = await openTab(other);
    await ready(d);
    await expect.poll(async () => (await snapshot(d)).items, { timeout: 10_000 }).toEqual(items);
    await other.close();
    await context.close();
  });

  it('a page opened while the server is down shows the last confirmed value at once, then goes live', {
    timeout: 90_000,
  }, async () => {
    const context = await browser.newContext();
    const first = await openTab(context);
    await ready(first);
    const known = await snapshot(first);
    await cached(first);
    await first.close();
    await tabsGone(context);

    await stopApi();
    const reopened = await openTab(context); // the page loads (its own origin); the API does not answer
    await ready(reopened);
    expect(await snapshot(reopened)).toEqual(known);
    expect((await status(reopened)).state).not.toBe('live');

    await startApi();
    await expect.poll(async () => (await status(reopened)).state, { timeout: 15_000 }).toBe('live');
    await push(reopened, 'after');
    await expect.poll(async () => (await serverItems()).at(-1), { timeout: 10_000 }).toBe('after');
    await context.close();
  });
});

// One connection per browser profile, in real chromium (one context = one profile: its IndexedDB, Web Locks and
// BroadcastChannel): tabs of the app elect a leader (Web Locks) that alone holds the subscriptions, the server
// counts one per resource; a tab's edit shows in the other tabs while offline; edits made offline in two tabs
// reach the server exactly once; the leader tab closed while a follower's write is in flight (the server holds its
// answer), with the server killed and restarted meanwhile: the write lands exactly once.
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

const page = `<!doctype html><meta charset="utf-8"><title>tabs</title>
<script src="/braid-live.js"></script>
<script>
  const api = decodeURIComponent(location.hash.slice(1));
  const client = new BraidLive.BraidClient({
    baseUrl: api, persist: { name: 'tabs-test' }, retry: { baseMs: 50, maxMs: 500 }, headTimeoutMs: 1000,
    onError: (e) => { if (e.kind !== 'network' && e.kind !== 'http') console.error('braid-live:', e.kind, e.message); },
  });
  const doc = client.resource('/doc');
  doc.subscribe(() => {});
  window.client = client;
  window.doc = doc;
  window.push = (item) => { window.last = doc.set((d) => { d.items.push(item); }); window.last.catch(() => {}); };
</script>`;
const blank = '<!doctype html><meta charset="utf-8"><title>blank</title>';

let pages: PageServer;
let dataDir: string;
let api: { braid: BraidServer; server: http.Server } | undefined;
let apiPort = 0;
let browser: Browser;
/** While set, PUTs are held at the server's door (not applied, not answered) until `releaseHeld`. */
let holdPuts = false;
const held: { url: string; method: string; headers: Headers; body: Buffer }[] = [];

async function startApi(): Promise<void> {
  const braid = createBraidServer({ store: fileStore(dataDir), cors: [pages.base] });
  braid.resource('/doc', { initial: { items: [] } });
  const server = http.createServer((req, res) => {
    if (!(holdPuts && req.method === 'PUT')) return braid.handler(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      held.push({ url: req.url ?? '/', method: 'PUT', headers, body: Buffer.concat(chunks) });
    });
  });
  await new Promise<void>((resolve) => server.listen(apiPort, '127.0.0.1', resolve));
  apiPort = (server.address() as AddressInfo).port;
  api = { braid, server };
}

/** The held PUTs reach the server now (their senders are gone: the answers go nowhere). */
async function applyHeld(): Promise<void> {
  for (const r of held.splice(0)) {
    const answer = await api!.braid.fetch(
      new Request(`http://127.0.0.1:${apiPort}${r.url}`, {
        method: r.method,
        headers: r.headers,
        body: new Uint8Array(r.body),
      }),
    );
    await answer.arrayBuffer();
  }
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
type Win = {
  doc: { getSnapshot(): Doc; getStatus(): { state: string; pending: number; pendingVersions: string[] } };
  client: { hub?: { isLeader: boolean } };
  push(item: string): void;
  last: Promise<void>;
  BraidLive: { unsavedChanges(c: unknown): { thisTab: number; otherTabs: number; openTabs: number } };
};

async function openTab(context: BrowserContext): Promise<Page> {
  const tab = await context.newPage();
  tab.setDefaultTimeout(20_000);
  await tab.goto(`${pages.base}/#${encodeURIComponent(`http://127.0.0.1:${apiPort}`)}`);
  return tab;
}

const items = (tab: Page) => tab.evaluate(() => (window as unknown as Win).doc.getSnapshot()?.items);
const status = (tab: Page) => tab.evaluate(() => (window as unknown as Win).doc.getStatus());
const push = (tab: Page, item: string) => tab.evaluate((i) => (window as unknown as Win).push(i), item);
const isLeader = (tab: Page) => tab.evaluate(() => (window as unknown as Win).client.hub?.isLeader === true);
const live = (tab: Page) =>
  tab.waitForFunction(() => (window as unknown as Win).doc.getStatus().state === 'live', null, {
    timeout: 20_000,
  });

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
  dataDir = mkdtempSync(join(tmpdir(), 'braid-tabs-browser-'));
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

describe('tabs of one profile in chromium', () => {
  it('three tabs hold one subscription; offline, an edit shows in the other tab at once; each reaches the server once', {
    timeout: 120_000,
  }, async () => {
    const context = await browser.newContext();
    const tabs = [await openTab(context), await openTab(context), await openTab(context)];
    for (const tab of tabs) await live(tab);
    await expect.poll(() => api!.braid.stats().subscribers, { timeout: 10_000 }).toBe(1); // not 3
    expect((await Promise.all(tabs.map(isLeader))).filter(Boolean)).toHaveLength(1);
    await tabs[2].close();
    const [a, b] = tabs;
    await push(a, 'online');
    await expect.poll(serverItems, { timeout: 10_000 }).toEqual(['online']);
    await expect.poll(() => items(b), { timeout: 10_000 }).toEqual(['online']);

    await context.setOffline(true);
    await push(a, 'a-offline');
    // Before the network returns: tab B shows tab A's edit (not its own: nothing pending in B).
    await expect.poll(() => items(b), { timeout: 10_000 }).toEqual(['online', 'a-offline']);
    expect((await status(b)).pending).toBe(0);
    await push(b, 'b-offline');
    await expect.poll(async () => (await items(a))?.length, { timeout: 10_000 }).toBe(3);
    expect(
      await b.evaluate(() =>
        (window as unknown as Win).BraidLive.unsavedChanges((window as unknown as Win).client),
      ),
    ).toEqual({ thisTab: 1, otherTabs: 1, openTabs: 2 });
    expect(await serverItems()).toEqual(['online']); // the server has none of them yet

    await a.close();
    await b.close();
    await context.setOffline(false);
    await tabsGone(context);
    const c = await openTab(context);
    await live(c);
    await expect
      .poll(async () => (await serverItems()).slice().sort(), { timeout: 15_000 })
      .toEqual(['a-offline', 'b-offline', 'online']); // each exactly once
    const final = await serverItems();
    await expect.poll(() => items(c), { timeout: 10_000 }).toEqual(final);
    const other = await browser.newContext(); // a second profile agrees
    const d = await openTab(other);
    await expect.poll(() => items(d), { timeout: 10_000 }).toEqual(final);
    await other.close();
    await context.close();
  });

  it('the leader tab closes while a write of another tab is in flight, the server restarts: it lands once', {
    timeout: 120_000,
  }, async () => {
    const context = await browser.newContext();
    const tabs = [await openTab(context), await openTab(context)];
    for (const tab of tabs) await live(tab);
    const leaders = await Promise.all(tabs.map(isLeader));
    const leader = tabs[leaders.indexOf(true)];
    const follower = tabs[leaders.indexOf(false)];
    const before = await serverItems();

    holdPuts = true;
    await push(follower, 'in-flight');
    await expect.poll(() => held.length, { timeout: 10_000 }).toBe(1); // at the server, unanswered
    expect((await status(follower)).pendingVersions).toHaveLength(1);
    await leader.close(); // the tab that sent it goes
    await applyHeld(); // the server had it after all (its answer went nowhere)
    holdPuts = false;
    await stopApi(); // killed and restarted meanwhile
    await startApi();

    await expect.poll(isLeader.bind(null, follower), { timeout: 15_000 }).toBe(true);
    await follower.evaluate(() => (window as unknown as Win).last); // confirmed, through itself now
    const after = await serverItems();
    expect(after).toEqual([...before, 'in-flight']); // exactly once
    await expect.poll(() => items(follower), { timeout: 10_000 }).toEqual(after);
    await expect.poll(() => api!.braid.stats().subscribers, { timeout: 10_000 }).toBe(1);
    await context.close();
  });
});

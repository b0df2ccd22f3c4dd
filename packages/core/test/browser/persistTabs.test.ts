// One connection per browser profile, in real chromium (one context = one profile: its IndexedDB, Web Locks and
// BroadcastChannel): tabs of the app elect a leader (Web Locks) that alone holds the subscriptions, the server
// counts one per resource; a tab's edit shows in the other tabs while offline; edits made offline in two tabs
// reach the server exactly once; the leader tab closed while a follower's write is in flight (the server holds its
// answer), with the server killed and restarted meanwhile: the write lands exactly once.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type Doc, usePersistHarness } from './persistHarness';

/** While set, PUTs are held at the server's door (not applied, not answered) until `applyHeld`. */
let holdPuts = false;
const held: { url: string; method: string; headers: Headers; body: Buffer }[] = [];

const harness = usePersistHarness('tabs-test', (req) => {
  if (!(holdPuts && req.method === 'PUT')) return false;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    held.push({ url: req.url ?? '/', method: 'PUT', headers, body: Buffer.concat(chunks) });
  });
  return true;
});
const { openTab, tabsGone, serverItems } = harness;

/** The held PUTs reach the server now (their senders are gone: the answers go nowhere). */
async function applyHeld(): Promise<void> {
  for (const r of held.splice(0)) {
    const answer = await harness.braid.fetch(
      new Request(`http://127.0.0.1:${harness.apiPort}${r.url}`, {
        method: r.method,
        headers: r.headers,
        body: new Uint8Array(r.body),
      }),
    );
    await answer.arrayBuffer();
  }
}

type Win = {
  doc: { getSnapshot(): Doc; getStatus(): { state: string; pending: number; pendingVersions: string[] } };
  client: { hub?: { isLeader: boolean } };
  push(item: string): void;
  last: Promise<void>;
  BraidLive: { unsavedChanges(c: unknown): { thisTab: number; otherTabs: number; openTabs: number } };
};

const items = (tab: Page) => tab.evaluate(() => (window as unknown as Win).doc.getSnapshot()?.items);
const status = (tab: Page) => tab.evaluate(() => (window as unknown as Win).doc.getStatus());
const push = (tab: Page, item: string) => tab.evaluate((i) => (window as unknown as Win).push(i), item);
const isLeader = (tab: Page) => tab.evaluate(() => (window as unknown as Win).client.hub?.isLeader === true);
const live = (tab: Page) =>
  tab.waitForFunction(() => (window as unknown as Win).doc.getStatus().state === 'live', null, {
    timeout: 20_000,
  });

describe('tabs of one profile in chromium', () => {
  it('three tabs hold one subscription; offline, an edit shows in the other tab at once; each reaches the server once', {
    timeout: 120_000,
  }, async () => {
    const context = await harness.browser.newContext();
    const tabs = [await openTab(context), await openTab(context), await openTab(context)];
    for (const tab of tabs) await live(tab);
    await expect.poll(() => harness.braid.stats().subscribers, { timeout: 10_000 }).toBe(1); // not 3
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
    const other = await harness.browser.newContext(); // a second profile agrees
    const d = await openTab(other);
    await expect.poll(() => items(d), { timeout: 10_000 }).toEqual(final);
    await other.close();
    await context.close();
  });

  it('the leader tab closes while a write of another tab is in flight, the server restarts: it lands once', {
    timeout: 120_000,
  }, async () => {
    const context = await harness.browser.newContext();
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
    await harness.stopApi(); // killed and restarted meanwhile
    await harness.startApi();

    await expect.poll(isLeader.bind(null, follower), { timeout: 15_000 }).toBe(true);
    await follower.evaluate(() => (window as unknown as Win).last); // confirmed, through itself now
    const after = await serverItems();
    expect(after).toEqual([...before, 'in-flight']); // exactly once
    await expect.poll(() => items(follower), { timeout: 10_000 }).toEqual(after);
    await expect.poll(() => harness.braid.stats().subscribers, { timeout: 10_000 }).toBe(1);
    await context.close();
  });
});

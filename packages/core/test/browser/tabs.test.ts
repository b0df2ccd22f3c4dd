// Tabs of one browser profile share its 6 HTTP/1.1 connections per origin. With 'auto' multiplexing each tab
// holds at most one long-lived connection (its multiplexer stream), later tabs start multiplexed without
// probing (remembered per origin), and long-lived requests never take the last connection: a sixth tab's page
// still loads and its ordinary requests go through while it waits for a slot, which it gets when a tab closes.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../e2e/support/chromium';
import { type PageServer, startPageServer } from './pageServer';

const RESOURCES = 20;
let server: PageServer;
let browser: Browser;
let context: BrowserContext;
let ticker: ReturnType<typeof setInterval>;

const page = `<!doctype html><meta charset="utf-8"><title>tab</title>
<script src="/braid-live.js"></script>
<script>
  const client = new BraidLive.BraidClient({ multiplex: 'auto' });
  window.ticks = {};
  window.started = true;
  for (let i = 0; i < ${RESOURCES}; i++) {
    const r = client.resource('/r/' + i);
    r.subscribe(() => { const v = r.getSnapshot(); if (v) window.ticks[i] = v.tick; });
  }
</script>`;

beforeAll(async () => {
  server = await startPageServer({ '/': page }, (b) =>
    b.resource('/r/:i', { initial: (params) => ({ i: Number(params.i), tick: 0 }) }),
  );
  let tick = 0;
  ticker = setInterval(() => {
    tick++;
    for (let i = 0; i < RESOURCES; i++)
      void server.braid.patch(`/r/${i}`, (d: { tick: number }) => void (d.tick = tick));
  }, 200);
  browser = await launchChromium();
  context = await browser.newContext(); // one profile: its tabs share connections and storage
}, 60_000);

afterAll(async () => {
  clearInterval(ticker);
  await context?.close();
  await browser?.close();
  await server?.close();
});

/** Waits until every resource of the tab has received an update newer than the current tick. */
async function waitAllAdvance(tab: Page): Promise<void> {
  const now = await tab.evaluate(() => Math.max(0, ...Object.values(window.ticks)));
  await tab.waitForFunction(
    ({ n, after }) => Object.values(window.ticks).filter((t) => t > after).length === n,
    { n: RESOURCES, after: now },
    { timeout: 15_000 },
  );
}

describe('tabs of one profile (chromium, HTTP/1.1)', () => {
  const tabs: Page[] = [];

  it('five tabs: all live, one multiplexer stream each, nothing left plain', async () => {
    for (let i = 0; i < 5; i++) {
      const tab = await context.newPage();
      tabs.push(tab);
      await tab.goto(`${server.base}/`);
      await waitAllAdvance(tab);
      if (i === 0) expect(server.plainSubscriptions()).toBeLessThanOrEqual(1); // the probe's early one
    }
    // Later tabs knew the origin multiplexes: not one plain subscription request from them.
    expect(server.plainSubscriptions()).toBeLessThanOrEqual(1);
    expect(server.braid.stats()).toMatchObject({
      multiplexers: 5,
      subscribers: 5 * RESOURCES,
      multiplexedSubscribers: 5 * RESOURCES,
    });
    expect(server.connections()).toBeLessThanOrEqual(6);
    for (const tab of tabs) await waitAllAdvance(tab);
  }, 90_000);

  it('a sixth tab loads and its ordinary requests go through while it waits; it goes live when a tab closes', async () => {
    const sixth = await context.newPage();
    await sixth.goto(`${server.base}/`);
    expect(await sixth.evaluate(() => window.started)).toBe(true);
    expect(await sixth.evaluate(() => fetch('/ping').then((r) => r.text()))).toBe('pong');
    for (const tab of tabs)
      expect(await tab.evaluate(() => fetch('/ping').then((r) => r.text()))).toBe('pong');
    expect(await sixth.evaluate(() => Object.keys(window.ticks).length)).toBe(0);
    expect(server.braid.stats().multiplexers).toBe(5);

    await tabs.shift()!.close();
    await waitAllAdvance(sixth);
    expect(server.braid.stats()).toMatchObject({
      multiplexers: 5,
      multiplexedSubscribers: 5 * RESOURCES,
    });
    tabs.push(sixth);
  }, 60_000);
});

declare global {
  interface Window {
    ticks: Record<string, number>;
    started: boolean;
  }
}

// 50 live resources on one page in real chromium over HTTP/1.1 (6 connections per origin): with the client's
// multiplexing all of them receive updates and ordinary requests still go through; without it 5 are live and
// the others wait for a connection slot, so ordinary requests still go through. The control shows the problem
// is real: six raw long-lived requests stall the page.
import type { BraidServer } from '@braid-live/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../e2e/support/chromium';
import { type PageServer, startPageServer } from './pageServer';

const RESOURCES = 50;
let braid: BraidServer;
let server: PageServer;
let base: string;
let browser: Browser;
let ticker: ReturnType<typeof setInterval>;

const page = (multiplex: boolean) => `<!doctype html><meta charset="utf-8"><title>many</title>
<script src="/braid-live.js"></script>
<script>
  const client = new BraidLive.BraidClient({ multiplex: ${multiplex ? "'auto'" : 'false'} });
  window.ticks = {};
  for (let i = 0; i < ${RESOURCES}; i++) {
    const r = client.resource('/r/' + i);
    r.subscribe(() => { const v = r.getSnapshot(); if (v) window.ticks[i] = v.tick; });
  }
</script>`;

beforeAll(async () => {
  server = await startPageServer({ '/': page(true), '/?plain': page(false) }, (b) =>
    b.resource('/r/:i', { initial: (params) => ({ i: Number(params.i), tick: 0 }) }),
  );
  ({ braid, base } = server);
  let tick = 0;
  ticker = setInterval(() => {
    tick++;
    for (let i = 0; i < RESOURCES; i++)
      void braid.patch(`/r/${i}`, (d: { tick: number }) => void (d.tick = tick));
  }, 100);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  clearInterval(ticker);
  await browser?.close();
  await server?.close();
});

const liveCount = (ticks: Record<string, number>, atLeast: number) =>
  Object.values(ticks).filter((t) => t >= atLeast).length;

describe('50 live resources on one page (chromium, HTTP/1.1)', () => {
  it('all receive updates through the multiplexer, and ordinary requests still go through', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${base}/`);
    await tab.waitForFunction((n) => Object.keys(window.ticks).length === n, RESOURCES, { timeout: 15_000 });
    const start = await tab.evaluate(() => Math.max(...Object.values(window.ticks)));
    // Every resource keeps advancing past where the slowest one started.
    await tab.waitForFunction(
      ({ n, after }) => Object.values(window.ticks).filter((t) => t > after + 3).length === n,
      { n: RESOURCES, after: start },
      { timeout: 15_000 },
    );
    const t0 = Date.now();
    expect(await tab.evaluate(() => fetch('/ping').then((r) => r.text()))).toBe('pong');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(braid.stats().multiplexers).toBe(1);
    expect(errors).toEqual([]);
    await tab.close();
  }, 40_000);

  it('without multiplexing, 5 subscriptions hold connections and the rest wait, so ordinary requests still go through', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${base}/?plain`);
    await tab.waitForFunction(() => Object.keys(window.ticks).length === 5, undefined, { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1000)); // more would have come by now
    expect(liveCount(await tab.evaluate(() => window.ticks), 1)).toBe(5);
    expect(await tab.evaluate(() => fetch('/ping').then((r) => r.text()))).toBe('pong');
    expect(braid.stats()).toMatchObject({ subscribers: 5, multiplexers: 0 });
    await tab.close();
  }, 30_000);

  it('control: six raw subscription requests take every connection, and the next request stalls', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${base}/ping`);
    const ping = await tab.evaluate(async () => {
      for (let i = 0; i < 6; i++) void fetch(`/r/${i}`, { headers: { Subscribe: 'true' } });
      await new Promise((r) => setTimeout(r, 500));
      return Promise.race([
        fetch('/ping').then((r) => r.text()),
        new Promise((r) => setTimeout(() => r('stalled'), 1500)),
      ]);
    });
    expect(ping).toBe('stalled');
    await tab.close();
  }, 30_000);
});

declare global {
  interface Window {
    ticks: Record<string, number>;
  }
}

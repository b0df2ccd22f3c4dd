// 50 live resources on one page in real chromium over HTTP/1.1 (6 connections per origin): with the client's
// multiplexing all of them receive updates and ordinary requests still go through; without it the page stalls
// after 6 (the control that shows the problem is real).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type BraidServer, createBraidServer, memoryStore } from '@braid-live/server';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../e2e/support/chromium';

const RESOURCES = 50;
let braid: BraidServer;
let server: http.Server;
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
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'BraidLive',
    write: false,
    platform: 'browser',
  });
  const script = bundle.outputFiles[0].contents;
  braid = createBraidServer({ store: memoryStore() });
  braid.resource('/r/:i', { initial: (params) => ({ i: Number(params.i), tick: 0 }) });
  server = http.createServer((req, res) => {
    if (req.url === '/ping') return void res.end('pong');
    if (req.url === '/braid-live.js') {
      res.setHeader('Content-Type', 'text/javascript');
      return void res.end(script);
    }
    if (req.url === '/' || req.url === '/?plain') {
      res.setHeader('Content-Type', 'text/html');
      return void res.end(page(req.url === '/'));
    }
    braid.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  await braid?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
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

  it('without multiplexing, the 7th subscription and every request after it stall (the problem it solves)', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${base}/?plain`);
    await new Promise((r) => setTimeout(r, 2000));
    const ticks = await tab.evaluate(() => window.ticks);
    expect(liveCount(ticks, 1)).toBeLessThanOrEqual(6);
    const ping = await tab.evaluate(() =>
      Promise.race([
        fetch('/ping').then((r) => r.text()),
        new Promise((r) => setTimeout(() => r('stalled'), 1500)),
      ]),
    );
    expect(ping).toBe('stalled');
    await tab.close();
  }, 30_000);
});

declare global {
  interface Window {
    ticks: Record<string, number>;
  }
}

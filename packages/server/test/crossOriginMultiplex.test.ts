// Cross-origin multiplexing in real chromium: the page is served from one 127.0.0.1 port and the braid
// server listens on another, with CORS allowing the page's origin. Ten live resources go through one
// multiplexer (POST /.well-known/multiplexer/<id>, and DELETE when resources close), which only works if the
// multiplexer routes' preflight allows POST and DELETE and the client can read Multiplex-Version.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../../e2e/support/chromium';
import { type RunningBraid, startBraid } from './helpers/server';

const RESOURCES = 10;
let braidServer: RunningBraid;
let pageServer: http.Server;
let pageOrigin: string;
let browser: Browser;
let ticker: ReturnType<typeof setInterval>;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../../core/src/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'BraidLive',
    write: false,
    platform: 'browser',
  });
  const script = bundle.outputFiles[0].contents;
  pageServer = http.createServer((req, res) => {
    if (req.url === '/braid-live.js') {
      res.setHeader('Content-Type', 'text/javascript');
      return void res.end(script);
    }
    res.setHeader('Content-Type', 'text/html');
    res.end(
      `<!doctype html><meta charset="utf-8"><title>cross-origin</title>
<script src="/braid-live.js"></script>
<script>
  const client = new BraidLive.BraidClient({ multiplex: 'auto' });
  window.ticks = {};
  window.resources = [];
  for (let i = 0; i < ${RESOURCES}; i++) {
    const r = client.resource(${JSON.stringify('BRAID')} + '/r/' + i);
    window.resources.push(r);
    window.unsubscribers = window.unsubscribers || [];
    window.unsubscribers.push(r.subscribe(() => { const v = r.getSnapshot(); if (v) window.ticks[i] = v.tick; }));
  }
</script>`.replace('BRAID', braidServer.origin),
    );
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  braidServer = await startBraid({ cors: [pageOrigin] }, (braid) =>
    braid.resource('/r/:i', { initial: (params) => ({ i: Number(params.i), tick: 0 }) }),
  );
  let tick = 0;
  ticker = setInterval(() => {
    tick++;
    for (let i = 0; i < RESOURCES; i++)
      void braidServer.braid.patch(`/r/${i}`, (d: { tick: number }) => void (d.tick = tick)).catch(() => {});
  }, 100);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  clearInterval(ticker);
  await browser?.close();
  await braidServer?.stop();
  pageServer?.closeAllConnections();
  await new Promise((resolve) => pageServer?.close(resolve));
});

it('answers the multiplexer preflight with POST and DELETE for an allowed origin', async () => {
  for (const method of ['POST', 'DELETE']) {
    const res = await fetch(`${braidServer.origin}/.well-known/multiplexer/m1`, {
      method: 'OPTIONS',
      headers: {
        Origin: pageOrigin,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'multiplex-version',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect(res.headers.get('access-control-allow-methods')).toContain(method);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Multiplex-Version/);
  }
});

it('multiplexes live resources from a page on another origin, and closes them with DELETE', async () => {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (error) => errors.push(String(error)));
  tab.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await tab.goto(`${pageOrigin}/`);
  await tab.waitForFunction((n) => Object.keys(window.ticks).length === n, RESOURCES, { timeout: 20_000 });
  const start = await tab.evaluate(() => Math.max(...Object.values(window.ticks)));
  await tab.waitForFunction(
    ({ n, after }) => Object.values(window.ticks).filter((t) => t > after + 2).length === n,
    { n: RESOURCES, after: start },
    { timeout: 20_000 },
  );
  // One multiplexer carries them (without it, HTTP/1.1's 6 connections per origin would stall the rest).
  expect(braidServer.braid.stats().multiplexers).toBe(1);
  expect(braidServer.braid.stats().subscribers).toBe(RESOURCES);
  // Unsubscribing ends the multiplexed responses with cross-origin DELETEs.
  await tab.evaluate(() => {
    for (const stop of window.unsubscribers) stop();
  });
  await expect.poll(() => braidServer.braid.stats().subscribers, { timeout: 20_000 }).toBe(0);
  expect(errors).toStrictEqual([]);
  await tab.close();
}, 60_000);

declare global {
  interface Window {
    ticks: Record<string, number>;
    unsubscribers: (() => void)[];
  }
}

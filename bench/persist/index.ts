/**
 * pnpm bench persist: what `persist: 'indexeddb'` gives a page, in real chromium.
 * - From navigation to the first value on screen: offline (the API is down; the cached value from IndexedDB) against
 *   online (the same page, the value from the server), median of --loads=10 page loads each.
 * - Subscriptions (and multiplexer streams) the server holds for one browser profile with --tabs=5 tabs open on a
 *   page of --resources=14 resources (the demo's count): the target of issue #15 is one per resource — the tabs'
 *   leader holds them for all (tabs/TabHub.ts) — where each tab held its own before (tabs × resources). One of
 *   them is a simpleton text (the demo's notes: TextResource given the client, text/tabText.ts; without the
 *   client, each tab holds its own: 18 here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BraidServer, createBraidServer, fileStore } from '@braid-live/server';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../e2e/support/chromium';
import { startPageServer } from '../../packages/core/test/browser/pageServer';
import { BenchArgs } from '../lib/args';
import { fmtMs } from '../lib/format';
import { writeResults } from '../lib/results';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';

const args = new BenchArgs();
const loads = args.number('loads', 10);
const tabCount = args.number('tabs', 5);
const resourceCount = args.number('resources', 14);

// @braid-live/core/text, inlined in the page (the page server serves the core bundle only).
const textScript = (
  await build({
    entryPoints: [new URL('../../packages/core/src/text/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'BraidText',
    write: false,
    platform: 'browser',
  })
).outputFiles[0].text;

const page = `<!doctype html><meta charset="utf-8"><title>persist bench</title>
<script src="/braid-live.js"></script>
<script>${textScript}</script>
<script>
  const client = new BraidLive.BraidClient({
    baseUrl: decodeURIComponent(location.hash.slice(1)), persist: { name: 'bench' }, headTimeoutMs: 60000,
  });
  const doc = client.resource('/doc');
  doc.subscribe(() => { if (doc.getSnapshot() !== undefined) window.firstValueAt ??= performance.now(); });
  if (location.search === '?tabs') {
    const notes = new BraidText.TextResource(decodeURIComponent(location.hash.slice(1)) + '/notes', {
      client, subscribeFetch: client.subscriptionFetch,
    });
    window.live = () => notes.status === 'live' && [doc, ...others].every((r) => r.getStatus().state === 'live');
    const others = [];
    for (let i = 1; i < ${resourceCount} - 1; i++) {
      const r = client.resource('/r/' + i);
      r.subscribe(() => {});
      others.push(r);
    }
  }
</script>`;

const dataDir = mkdtempSync(join(tmpdir(), 'braid-bench-persist-'));
const pages = await startPageServer({ '/': page, '/?tabs': page }, () => {});
let api: { braid: BraidServer; server: http.Server } | undefined;
let apiPort = 0;
const startApi = async () => {
  const braid = createBraidServer({ store: fileStore(dataDir), cors: [pages.base] });
  // A document of some size: 200 cards.
  const cards = Array.from({ length: 200 }, (_, i) => ({
    id: `c${i}`,
    title: `card ${i}`,
    votes: i,
    done: false,
  }));
  braid.resource('/doc', { initial: { title: 'board', cards } });
  braid.resource('/r/:i', { initial: (params) => ({ i: Number(params.i) }) });
  braid.text('/notes', { initial: 'notes' });
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(apiPort, '127.0.0.1', resolve));
  apiPort = (server.address() as AddressInfo).port;
  api = { braid, server };
};
const stopApi = async () => {
  if (!api) return;
  await api.braid.close();
  api.server.closeAllConnections();
  await new Promise((r) => api!.server.close(r));
  api = undefined;
};
const url = (search = '') => `${pages.base}/${search}#${encodeURIComponent(`http://127.0.0.1:${apiPort}`)}`;

async function firstValueMs(context: BrowserContext): Promise<number> {
  const tab = await context.newPage();
  await tab.goto(url());
  await tab.waitForFunction(
    () => (window as unknown as { firstValueAt?: number }).firstValueAt !== undefined,
    null,
    {
      timeout: 30_000,
    },
  );
  const ms = await tab.evaluate(() => (window as unknown as { firstValueAt: number }).firstValueAt);
  await tab.close();
  return ms;
}

await startApi();
const browser = await launchChromium();
const results: Record<string, unknown> = {};
try {
  const context = await browser.newContext();
  const online: number[] = [];
  for (let i = 0; i < loads; i++) online.push(await firstValueMs(context));
  await new Promise((r) => setTimeout(r, 1500)); // the cached state is saved (at once, then throttled)
  await stopApi();
  const offline: number[] = [];
  for (let i = 0; i < loads; i++) offline.push(await firstValueMs(context));
  await startApi();
  await context.close();

  const tabsContext = await browser.newContext();
  const tabs: Page[] = [];
  for (let i = 0; i < tabCount; i++) {
    const tab = await tabsContext.newPage();
    await tab.goto(url('?tabs'));
    tabs.push(tab);
  }
  for (const tab of tabs)
    await tab.waitForFunction(() => (window as unknown as { live?: () => boolean }).live?.() === true, null, {
      timeout: 30_000,
    });
  // Settled: every tab is live; give a tab that would open its own subscriptions the time to show.
  await new Promise((r) => setTimeout(r, 1000));
  const { subscribers, multiplexers } = api!.braid.stats();
  await tabsContext.close();
  printTable(
    `persist: navigation → first value on screen (median of ${loads} loads; 200-card document)`,
    ['page load', 'median', 'min', 'max'],
    [
      [
        'online (value from the server)',
        fmtMs(median(online)),
        fmtMs(Math.min(...online)),
        fmtMs(Math.max(...online)),
      ],
      [
        'API down (value from IndexedDB)',
        fmtMs(median(offline)),
        fmtMs(Math.min(...offline)),
        fmtMs(Math.max(...offline)),
      ],
    ],
  );
  printTable(
    `persist: what the server holds for one profile with ${tabCount} tabs on a page of ${resourceCount} resources`,
    ['', 'held', 'target', 'one connection per tab (before)'],
    [
      ['subscriptions', subscribers, resourceCount, tabCount * resourceCount],
      ['multiplexer streams', multiplexers, 1, tabCount],
    ],
  );
  const targets: Target[] = [
    {
      name: 'persist: a page opened with the API down shows the cached value (first value, median)',
      measured: `${fmtMs(median(offline))} (online: ${fmtMs(median(online))})`,
      met: median(offline) < 1000,
    },
    {
      name: `persist: subscriptions held for ${tabCount} tabs of one profile, ${resourceCount} resources: one each`,
      measured: `${subscribers} (${multiplexers} stream${multiplexers === 1 ? '' : 's'})`,
      met: subscribers === resourceCount && multiplexers === 1,
    },
  ];
  printTargets('persist', targets);
  Object.assign(results, {
    online,
    offline,
    subscribers,
    multiplexers,
    tabs: tabCount,
    resources: resourceCount,
    targets,
  });
  writeResults('persist', results as { targets: Target[] });
} finally {
  await browser.close();
  await stopApi();
  await pages.close();
  rmSync(dataDir, { recursive: true, force: true });
}

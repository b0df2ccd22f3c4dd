// What the `persist` browser tests share: the app's page on one origin (a BraidClient with `persist`, one resource
// /doc of items), the Braid API with a fileStore on another (CORS, so the API can stop while pages still load;
// the same port after a restart, so clients resume against it), chromium, and the helpers on tabs.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BraidServer, createBraidServer, fileStore } from '@braid-live/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../../../../e2e/support/chromium';
import { type PageServer, startPageServer } from './pageServer';

export interface Doc {
  items: string[];
}

/** Handles a request itself (true) instead of the Braid handler: a test that holds PUTs at the door. */
export type Intercept = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export interface PersistHarness {
  readonly pages: PageServer;
  readonly browser: Browser;
  /** The running API's Braid server (throws while it is stopped). */
  readonly braid: BraidServer;
  readonly apiPort: number;
  startApi(): Promise<void>;
  stopApi(): Promise<void>;
  /** A tab of `context` on the app's page, pointed at the API. */
  openTab(context: BrowserContext): Promise<Page>;
  /** Waits until no tab of `context` holds its lock any more (closed tabs release them asynchronously). */
  tabsGone(context: BrowserContext): Promise<void>;
  serverItems(): Promise<string[]>;
}

/** The page: `window.client`, `window.doc`, `window.push(item)` (its promise in `window.last`). */
function appPage(name: string): string {
  return `<!doctype html><meta charset="utf-8"><title>${name}</title>
<script src="/braid-live.js"></script>
<script>
  const api = decodeURIComponent(location.hash.slice(1));
  const client = new BraidLive.BraidClient({
    baseUrl: api, persist: { name: '${name}' }, retry: { baseMs: 50, maxMs: 500 }, headTimeoutMs: 1000,
    onError: (e) => { if (e.kind !== 'network' && e.kind !== 'http') console.error('braid-live:', e.kind, e.message); },
  });
  const doc = client.resource('/doc');
  doc.subscribe(() => {});
  window.client = client;
  window.doc = doc;
  window.push = (item) => { window.last = doc.set((d) => { d.items.push(item); }); window.last.catch(() => {}); };
</script>`;
}
const blank = '<!doctype html><meta charset="utf-8"><title>blank</title>';

/** Starts the page server, the API and chromium before the file's tests, and stops them after. */
export function usePersistHarness(name: string, intercept?: Intercept): PersistHarness {
  let pages: PageServer | undefined;
  let browser: Browser | undefined;
  let api: { braid: BraidServer; server: http.Server } | undefined;
  let apiPort = 0;
  let dataDir = '';

  const harness: PersistHarness = {
    get pages() {
      if (!pages) throw new Error('the page server is not running');
      return pages;
    },
    get browser() {
      if (!browser) throw new Error('chromium is not running');
      return browser;
    },
    get braid() {
      if (!api) throw new Error('the API is stopped');
      return api.braid;
    },
    get apiPort() {
      return apiPort;
    },
    async startApi() {
      const braid = createBraidServer({ store: fileStore(dataDir), cors: [harness.pages.base] });
      braid.resource('/doc', { initial: { items: [] } });
      const server = http.createServer((req, res) => {
        if (!intercept?.(req, res)) braid.handler(req, res);
      });
      await new Promise<void>((resolve) => server.listen(apiPort, '127.0.0.1', resolve));
      apiPort = (server.address() as AddressInfo).port;
      api = { braid, server };
    },
    async stopApi() {
      if (!api) return;
      const { braid, server } = api;
      api = undefined;
      await braid.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    async openTab(context) {
      const tab = await context.newPage();
      tab.setDefaultTimeout(20_000);
      await tab.goto(`${harness.pages.base}/#${encodeURIComponent(`http://127.0.0.1:${apiPort}`)}`);
      return tab;
    },
    async tabsGone(context) {
      const probe = await context.newPage();
      await probe.goto(`${harness.pages.base}/blank`);
      await probe.waitForFunction(async () => {
        const { held = [] } = await navigator.locks.query();
        return !held.some((lock) => lock.name?.startsWith('braid-live-tab:'));
      });
      await probe.close();
    },
    async serverItems() {
      return ((await harness.braid.get('/doc')).value as Doc).items;
    },
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `braid-${name}-browser-`));
    pages = await startPageServer({ '/': appPage(name), '/blank': blank }, () => {});
    await harness.startApi();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await harness.stopApi();
    await pages?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  return harness;
}

// Five tabs of the demo in one browser profile (one context: 6 HTTP/1.1 connections per origin, shared).
// Every tab loads and shows all its resources live, an edit in one reaches the others, and the server —
// counting from its side — holds exactly one multiplexer stream per tab and no plain subscription.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../apps/dashboard/server/dashboardServer';
import { launchChromium } from './support/chromium';
import { watchConsole } from './support/consoleErrors';
import { buildDashboard } from './support/dashboardApp';
import { eventually, waitAllLive } from './support/dashboardPage';

const TABS = 5;
/** The demo's live resources per tab (feeds and shared panels). */
const RESOURCES_PER_TAB = 14;

describe('five tabs of the demo in one browser', { timeout: 400_000 }, () => {
  let tmp: string;
  let server: DashboardServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  const tabs: Page[] = [];
  const consoleErrors = watchConsole();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'braid-tabs-e2e-'));
    const distDir = join(tmp, 'dist');
    await buildDashboard(distDir, 60_000);
    server = await startDashboardServer({ port: 0, host: '127.0.0.1', dataDir: join(tmp, 'data'), distDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  test('every tab loads and shows all its resources live; one multiplexer stream per tab', async () => {
    for (let i = 0; i < TABS; i++) {
      const tab = await context.newPage();
      tab.setDefaultTimeout(15_000);
      consoleErrors.watch(tab, `tab ${i + 1}`);
      tabs.push(tab);
      await tab.goto(server!.url);
      const info = await waitAllLive(tab, 60_000);
      // Each tab adds one stream and its 14 subscriptions inside it (a tab that went plain would show here).
      await eventually(
        async () => server!.stats(),
        (s) => s.multiplexers === i + 1 && s.multiplexedSubscribers === (i + 1) * RESOURCES_PER_TAB,
        5000,
        `the server's streams with ${i + 1} tabs`,
      );
      expect(info.total).toBe(RESOURCES_PER_TAB);
    }
    for (const tab of tabs) expect((await waitAllLive(tab, 10_000)).live).toBe(RESOURCES_PER_TAB);
    const stats = await eventually(
      async () => server!.stats(),
      (s) => s.multiplexers === TABS && s.multiplexedSubscribers === s.subscribers,
      5000,
      'the server to hold one stream per tab and nothing plain',
    );
    expect(stats).toMatchObject({
      multiplexers: TABS,
      subscribers: TABS * RESOURCES_PER_TAB,
      multiplexedSubscribers: TABS * RESOURCES_PER_TAB,
    });
  });

  test('an edit in one tab shows in the other four', async () => {
    const slider = (page: Page) => page.getByTestId('threshold-temperature').locator('input[type=range]');
    const start = Number(await slider(tabs[2]).inputValue());
    await slider(tabs[2]).focus();
    for (let i = 0; i < 3; i++) await tabs[2].keyboard.press('ArrowRight');
    const changed = start + 1.5; // step 0.5
    expect(Number(await slider(tabs[2]).inputValue())).toBe(changed);
    for (const tab of tabs) {
      await eventually(
        async () => Number(await slider(tab).inputValue()),
        (value) => value === changed,
        10_000,
        'the threshold in every tab',
      );
    }
  });

  test('no console errors in any tab', () => {
    expect(consoleErrors.unexpected()).toEqual([]);
  });
});

// The live dashboard in a real browser (Debian's chromium through playwright-core): two people, one server.
// Builds the app once, runs its server as a child process on a free port with a fresh data folder, and checks
// what a newcomer would: every resource live and moving, edits shared at once, concurrent typing converging,
// a server restart survived, no console errors. Writes docs/dashboard.png on the way.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../apps/dashboard/server/dashboardServer';
import { launchChromium } from './support/chromium';
import { watchConsole } from './support/consoleErrors';
import { buildDashboard, type DashboardProcess, startDashboard } from './support/dashboardApp';
import {
  connection,
  eventually,
  isSubsequence,
  liveFeeds,
  notes,
  waitAllLive,
  waitFeedsAdvance,
} from './support/dashboardPage';
import { freePort, killChild } from './support/processes';

const SCREENSHOT = fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));
/** No child outlives the test file, whatever happens. */
const CHILD_MAX_LIFE_MS = 240_000;

// The app is built once for the whole file (both describes below).
let buildDir: string;
let distDir: string;
beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'braid-dashboard-build-'));
  distDir = join(buildDir, 'dist');
  await buildDashboard(distDir, 90_000);
}, 120_000);
afterAll(() => {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

// Tests in this file build on each other (one browser, one server): they run in order.
describe('dashboard in a browser', { timeout: 60_000 }, () => {
  let tmp: string;
  let dataDir: string;
  let port: number;
  let server: DashboardProcess | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  const consoleErrors = watchConsole();

  const startServer = async () => {
    server = await startDashboard({ port, dataDir, distDir, maxLifeMs: CHILD_MAX_LIFE_MS });
  };

  /** A page in its own browser context: two contexts are two people (separate connections and storage). */
  const openPerson = async (name: string): Promise<Page> => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000); // a failing step fails in seconds, not at playwright's 30 s default
    consoleErrors.watch(page, name);
    await page.goto(server!.url);
    return page;
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'braid-dashboard-e2e-'));
    dataDir = join(tmp, 'data');
    port = await freePort();
    await startServer();
    browser = await launchChromium();
    alice = await openPerson('alice');
    bob = await openPerson('bob');
  }, 150_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await killChild(server?.child);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  test('every resource on the page goes live, and every live feed advances', async () => {
    for (const page of [alice, bob]) {
      const info = await waitAllLive(page, 15_000);
      expect(info.total).toBeGreaterThanOrEqual(10);
      const before = await liveFeeds(page);
      expect(before.size).toBeGreaterThanOrEqual(10);
      const stale = await waitFeedsAdvance(page, before, 10_000);
      expect(stale, 'feeds that did not advance').toEqual([]);
    }
  });

  test('writes a screenshot of the dashboard for the README', async () => {
    await alice.waitForTimeout(1500); // let a few more points in, and the pulses settle
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await alice.screenshot({ path: SCREENSHOT });
  });

  test('lays out on a phone without sideways scrolling', async () => {
    const context = await browser!.newContext({
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(context);
    const phone = await context.newPage();
    phone.setDefaultTimeout(10_000);
    consoleErrors.watch(phone, 'phone');
    await phone.goto(server!.url);
    await waitAllLive(phone, 15_000); // measured with real content in every card
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
    contexts.splice(contexts.indexOf(context), 1);
  });

  test('a threshold changed in one window appears in the other', async () => {
    const slider = (page: Page) => page.getByTestId('threshold-temperature').locator('input[type=range]');
    const start = Number(await slider(alice).inputValue());
    await slider(alice).focus();
    for (let i = 0; i < 4; i++) await alice.keyboard.press('ArrowRight');
    const changed = Number(await slider(alice).inputValue());
    expect(changed).toBe(start + 2); // step 0.5
    await eventually(
      async () => Number(await slider(bob).inputValue()),
      (value) => value === changed,
      5000,
      "bob's temperature threshold",
    );
  });

  test('two people typing in the notes at once end with the same text, every character kept', async () => {
    const initial = await notes(alice).inputValue();
    await eventually(
      () => notes(bob).inputValue(),
      (text) => text === initial,
      5000,
      "bob's notes",
    );
    const aliceTyped = 'alice types lowercase words here, twice.';
    const bobTyped = 'BOB TYPES CAPITALS AND DIGITS 0123456789';
    for (const page of [alice, bob]) {
      await notes(page).click();
      await page.keyboard.press('Control+End');
    }
    await Promise.all([
      alice.keyboard.type(aliceTyped, { delay: 25 }),
      bob.keyboard.type(bobTyped, { delay: 25 }),
    ]);
    const settled = (page: Page) => page.getByTestId('pending').getAttribute('data-pending');
    await eventually(
      async () => [await settled(alice), await settled(bob)],
      ([a, b]) => a === '0' && b === '0',
      10_000,
      'pending writes',
    );
    const [aliceText, bobText] = await eventually(
      async () => [await notes(alice).inputValue(), await notes(bob).inputValue()],
      ([a, b]) => a === b,
      10_000,
      'the two windows to agree',
    );
    expect(aliceText).toBe(bobText);
    // The notes are a text resource (braid.text): GET answers the text itself.
    const stored = await (await fetch(`${server!.url}api/shared/notes`)).text();
    expect(stored).toBe(aliceText);
    expect(aliceText.length).toBe(initial.length + aliceTyped.length + bobTyped.length);
    expect(
      isSubsequence(aliceTyped, aliceText),
      `alice's characters in order in ${JSON.stringify(aliceText)}`,
    ).toBe(true);
    expect(
      isSubsequence(bobTyped, aliceText),
      `bob's characters in order in ${JSON.stringify(aliceText)}`,
    ).toBe(true);
    expect(aliceText.startsWith(initial)).toBe(true);
  });

  test('restoring an older version from the history rolls both windows back', async () => {
    const settled = async (page: Page) =>
      (await page.getByTestId('pending').getAttribute('data-pending')) === '0';
    const notesVersion = (page: Page) =>
      page.locator(`#notes [data-resource="/api/shared/notes"]`).getAttribute('data-version');
    await eventually(() => settled(alice), Boolean, 10_000, 'alice settled');
    // The notes are a text: after concurrent typing their version can name several people's last edits, and
    // the history lists each edit by its own id. One edit of alice's alone makes the version hers.
    await notes(alice).click();
    await alice.keyboard.press('Control+End');
    await alice.keyboard.type('.');
    await eventually(
      () => notes(bob).inputValue(),
      (text) => text.endsWith('.'),
      10_000,
      "bob's notes",
    );
    const good = await notes(alice).inputValue();
    const goodVersion = await notesVersion(alice);
    expect(goodVersion).toBeTruthy();

    await notes(alice).click();
    await alice.keyboard.press('Control+End');
    // One input event (like a paste): one version, so the good one stays in the panel's recent list.
    await alice.keyboard.insertText('\nOOPS, PASTED INTO THE WRONG WINDOW');
    await eventually(
      () => notes(bob).inputValue(),
      (text) => text.includes('OOPS'),
      10_000,
      "bob's notes",
    );

    await bob.getByRole('tab', { name: 'Notes' }).click();
    await bob
      .locator(`[data-testid=version][data-version="${goodVersion}"]`)
      .getByRole('button', { name: 'Restore' })
      .click();
    for (const page of [alice, bob]) {
      await eventually(
        () => notes(page).inputValue(),
        (text) => text === good,
        10_000,
        'notes after the restore',
      );
    }
    const stored = await (await fetch(`${server!.url}api/shared/notes`)).text();
    expect(stored).toBe(good);
    // The restore is a new version on top, not a rewrite of history.
    await expect.poll(() => notesVersion(alice), { timeout: 5000 }).not.toBe(goodVersion);
  });

  test('incidents: added in one window, resolved in the other', async () => {
    const title = `Queue backlog on worker-${Date.now() % 1000}`;
    await alice.getByLabel('New incident title').fill(title);
    await alice.locator('.incident-form').getByRole('button', { name: 'critical' }).click();
    await alice.getByRole('button', { name: 'Add', exact: true }).click();
    const row = (page: Page) => page.getByTestId('incident').filter({ hasText: title });
    await row(bob).waitFor({ timeout: 10_000 });
    await row(bob).getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => row(alice).getAttribute('class'), { timeout: 10_000 }).toContain('is-resolved');
  });

  test('both windows reconnect after a server restart and keep editing', async () => {
    const notesBefore = await notes(alice).inputValue();
    const killedAt = Date.now();
    await killChild(server!.child, 'SIGKILL');
    for (const page of [alice, bob]) {
      await eventually(
        async () => (await connection(page)).state,
        (state) => state !== 'live',
        15_000,
        'state after the server died',
      );
    }
    await startServer();
    for (const page of [alice, bob]) await waitAllLive(page, 20_000);
    // Network errors are expected while the server is down, and only then (plus 2 s: console events can be
    // delivered a little after the fact).
    consoleErrors.tolerate(
      killedAt,
      Date.now() + 2000,
      /Failed to load resource: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|CONNECTION_CLOSED)/,
    );

    // Everything acknowledged before the crash is still there (fsync before ack), and the feeds move again.
    expect(await notes(bob).inputValue()).toBe(notesBefore);
    const stale = await waitFeedsAdvance(alice, await liveFeeds(alice), 10_000);
    expect(stale, 'feeds that did not advance after the restart').toEqual([]);

    await notes(bob).click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type(' [after restart]', { delay: 10 });
    await eventually(
      () => notes(alice).inputValue(),
      (text) => text.endsWith(' [after restart]'),
      10_000,
      "alice's notes",
    );

    const slider = (page: Page) => page.getByTestId('threshold-humidity').locator('input[type=range]');
    await slider(alice).focus();
    await alice.keyboard.press('ArrowLeft');
    const value = await slider(alice).inputValue();
    await eventually(
      () => slider(bob).inputValue(),
      (v) => v === value,
      5000,
      "bob's humidity threshold",
    );
  });

  test('no console errors on any page', () => {
    expect(consoleErrors.unexpected()).toEqual([]);
  });
});

// Five tabs of the demo in one browser profile (one context: 6 HTTP/1.1 connections per origin, shared).
// Every tab loads and shows all its resources live, an edit in one reaches the others, and the server —
// counting from its side — holds ONE multiplexer stream for the whole profile (the leader tab's, `persist`: the
// tabs share one connection) with ONE subscription per resource, whatever the number of tabs — the notes (a
// simpleton text) too: the leader tab's TextResource serves the other tabs (TabTextLink, core/src/text).
describe('five tabs of the demo in one browser', { timeout: 180_000 }, () => {
  const TABS = 5;
  let tmp: string;
  let server: DashboardServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  const tabs: Page[] = [];
  const consoleErrors = watchConsole();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'braid-tabs-e2e-'));
    server = await startDashboardServer({ port: 0, host: '127.0.0.1', dataDir: join(tmp, 'data'), distDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 60_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  test('every tab loads and shows all its resources live; one stream and one subscription per resource', async () => {
    let perTab = 0;
    for (let i = 0; i < TABS; i++) {
      const tab = await context.newPage();
      tab.setDefaultTimeout(30_000);
      consoleErrors.watch(tab, `tab ${i + 1}`);
      tabs.push(tab);
      await tab.goto(server!.url);
      const info = await waitAllLive(tab, 60_000);
      perTab ||= info.total;
      expect(info.total).toBe(perTab);
      // A tab adds no stream and no subscription: the leader's serve it (a tab that went on its own would show
      // here). (+1: the notes, a text resource the status bar does not count, on the same stream, once.)
      await eventually(
        async () => server!.stats(),
        (s) => s.multiplexers === 1 && s.multiplexedSubscribers === perTab + 1,
        15_000,
        `the server's streams with ${i + 1} tabs`,
      );
    }
    expect(perTab).toBeGreaterThanOrEqual(10);
    for (const tab of tabs) expect((await waitAllLive(tab, 30_000)).live).toBe(perTab);
    const stats = await eventually(
      async () => server!.stats(),
      (s) => s.multiplexers === 1 && s.multiplexedSubscribers === s.subscribers,
      15_000,
      'the server to hold one stream for the profile and nothing plain',
    );
    // Without the shared connection: 5 streams and 5 × (perTab + 1) subscriptions.
    expect(stats).toMatchObject({
      multiplexers: 1,
      subscribers: perTab + 1,
      multiplexedSubscribers: perTab + 1,
    });
  });

  test('the notes typed in two tabs at once show the same text in all five, every character kept', async () => {
    const before = await notes(tabs[0]).inputValue();
    await Promise.all(
      [tabs[1], tabs[3]].map(async (tab, i) => {
        await notes(tab).click();
        await tab.keyboard.press('End');
        await tab.keyboard.type(i === 0 ? ' ab' : ' XY', { delay: 30 });
      }),
    );
    const stored = await eventually(
      async () => (await fetch(`${server!.url}api/shared/notes`)).text(),
      (text) => text.length === before.length + 6,
      15_000,
      'both tabs’ notes at the server',
    );
    for (const char of [...'abXY']) expect(stored.split(char).length - before.split(char).length).toBe(1);
    for (const tab of tabs)
      await eventually(
        () => notes(tab).inputValue(),
        (text) => text === stored,
        15_000,
        'the notes in every tab',
      );
    // Still one subscription of the notes at the server.
    expect((await server!.stats()).subscribers).toBe((await waitAllLive(tabs[0], 30_000)).total + 1);
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
        15_000,
        'the threshold in every tab',
      );
    }
  });

  test('a sixth page of the origin still loads while five tabs are live', async () => {
    const sixth = await context.newPage();
    consoleErrors.watch(sixth, 'tab 6');
    const answer = await sixth.goto(server!.url, { timeout: 30_000 });
    expect(answer?.status()).toBe(200);
    await sixth.close();
  });

  test('no console errors in any tab', () => {
    expect(consoleErrors.unexpected()).toEqual([]);
  });
});

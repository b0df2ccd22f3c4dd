import type { Page } from 'playwright-core';

export interface ConnectionInfo {
  state: string;
  live: number;
  total: number;
  /** Resources not live, with their state ("url: state" lines). */
  notLive: string;
}

export async function connection(page: Page): Promise<ConnectionInfo> {
  return page.locator('[data-testid=connection]').evaluate((el) => ({
    state: el.getAttribute('data-state') ?? '',
    live: Number(el.getAttribute('data-live')),
    total: Number(el.getAttribute('data-total')),
    notLive: el.getAttribute('title') ?? '',
  }));
}

/** Waits until every resource on the page is live; the error names the ones that are not. */
export async function waitAllLive(page: Page, timeoutMs: number): Promise<ConnectionInfo> {
  const deadline = Date.now() + timeoutMs;
  let info = await connection(page).catch(() => undefined);
  while (Date.now() < deadline) {
    if (info && info.state === 'live' && info.live === info.total && info.total > 0) return info;
    await page.waitForTimeout(200);
    info = await connection(page).catch(() => undefined);
  }
  throw new Error(
    `not every resource became live within ${timeoutMs} ms: ${info ? `${info.live}/${info.total} live; not live:\n${info.notLive}` : 'no status bar'}`,
  );
}

/** The live feeds on the page: url → {state, updatedAt} (from their update pulses). */
export async function liveFeeds(page: Page): Promise<Map<string, { state: string; updatedAt: string }>> {
  const rows = await page
    .locator('[data-live-resource]')
    .evaluateAll((els) =>
      els.map((el) => [
        el.getAttribute('data-live-resource') ?? '',
        { state: el.getAttribute('data-state') ?? '', updatedAt: el.getAttribute('data-updated-at') ?? '' },
      ]),
    );
  return new Map(rows as [string, { state: string; updatedAt: string }][]);
}

/** Waits until every feed in `before` shows a newer update; returns the feeds that did not move. */
export async function waitFeedsAdvance(
  page: Page,
  before: Map<string, { updatedAt: string }>,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let stale = [...before.keys()];
  while (Date.now() < deadline && stale.length > 0) {
    await page.waitForTimeout(250);
    const now = await liveFeeds(page);
    stale = stale.filter((url) => {
      const current = now.get(url);
      return (
        current?.state !== 'live' ||
        current.updatedAt === before.get(url)?.updatedAt ||
        current.updatedAt === ''
      );
    });
  }
  return stale;
}

export const notes = (page: Page) => page.getByTestId('notes');

/** Waits until `read` returns a value for which `ok` holds; returns it, or throws with the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline)
      throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    value = await read();
  }
  return value;
}

/** Whether the characters of `part` appear in `whole` in the same order (other characters may sit between). */
export function isSubsequence(part: string, whole: string): boolean {
  let i = 0;
  for (const ch of whole) if (ch === part[i]) i++;
  return i === part.length;
}

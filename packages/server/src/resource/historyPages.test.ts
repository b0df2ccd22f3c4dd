import { afterEach, describe, expect, it, vi } from 'vitest';
import { versionUpdateBytes } from '../subscriptions/updateBytes';
import { History } from './history';
import { HistoryPages } from './historyPages';

function historyOf(count: number): History {
  const history = new History({ version: [], value: 0 }, 1000, Number.POSITIVE_INFINITY, 1000);
  for (let i = 1; i <= count; i++) push(history, i);
  return history;
}

function push(history: History, i: number) {
  const record = {
    version: `v${i}`,
    parents: history.headVersion,
    patches: [{ range: '', content: i }],
    time: i,
  };
  history.push({ ...record, value: i, wire: versionUpdateBytes(record) });
}

const versionsOf = (bytes: Buffer) =>
  (JSON.parse(bytes.toString()) as { version: string }[]).map((e) => e.version);

afterEach(() => vi.restoreAllMocks());

describe('HistoryPages', () => {
  it('pages newest first, each page naming where the next one starts, down to the oldest', () => {
    const history = historyOf(25);
    const pages = new HistoryPages();
    const seen: string[] = [];
    let before: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = pages.page(history, { before, limit: 10, maxBytes: 1 << 20 });
      seen.push(...versionsOf(page.bytes));
      if (page.next === undefined) break;
      before = page.next;
    }
    expect(seen).toStrictEqual(Array.from({ length: 25 }, (_, i) => `v${25 - i}`));
  });

  it('ends a page before the version that would pass maxBytes, keeping at least one', () => {
    const history = historyOf(10);
    const pages = new HistoryPages();
    const one = pages.page(history, { limit: 10, maxBytes: 1 });
    expect(versionsOf(one.bytes)).toStrictEqual(['v10']);
    expect(one.next).toBe('v10');
    const some = pages.page(history, { limit: 10, maxBytes: 200 });
    expect(some.bytes.length).toBeLessThanOrEqual(200);
    expect(some.count).toBeGreaterThan(1);
    expect(some.count).toBeLessThan(10);
  });

  it('serializes each version once, and answers a repeated page with the bytes it built', () => {
    const history = historyOf(50);
    const pages = new HistoryPages();
    const stringify = vi.spyOn(JSON, 'stringify');
    const first = pages.page(history, { limit: 50, maxBytes: 1 << 20 });
    expect(stringify).toHaveBeenCalledTimes(50);
    expect(pages.page(history, { limit: 50, maxBytes: 1 << 20 }).bytes).toBe(first.bytes);
    expect(stringify).toHaveBeenCalledTimes(50);
    // A new version: only it is serialized; the page is rebuilt from the versions' JSON.
    push(history, 51);
    stringify.mockClear();
    const after = pages.page(history, { limit: 50, maxBytes: 1 << 20 });
    expect(stringify).toHaveBeenCalledTimes(1);
    expect(versionsOf(after.bytes)[0]).toBe('v51');
  });

  it('refuses a `before` that is not in memory with 410', () => {
    expect(() =>
      new HistoryPages().page(historyOf(3), { before: 'nope', limit: 10, maxBytes: 1000 }),
    ).toThrow(expect.objectContaining({ code: 'version-not-in-history' }));
  });
});

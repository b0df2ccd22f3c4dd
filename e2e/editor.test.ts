// The editor example (apps/editor) in real chromium: three people type into one document at once
// (playwright keyboard.type with delays). Afterwards every page holds the same text as the server, every
// character typed is in it exactly once, each person's caret is right after the character they typed last,
// and each page shows the other two people's carets on exactly that spot.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EditorServer, startEditorServer } from '../apps/editor/server/editorServer';
import { launchChromium } from './support/chromium';
import { watchConsole } from './support/consoleErrors';
import { eventually } from './support/dashboardPage';

const PEOPLE = [
  { name: 'alice', typed: 'abcdefghijklmnop' },
  { name: 'bob', typed: 'ABCDEFGHIJKLMNOP' },
  { name: 'carol', typed: '0123456789+-*/=%' },
];

describe('editor with live cursors', { timeout: 90_000 }, () => {
  let server: EditorServer;
  let browser: Browser;
  const pages: Page[] = [];
  const consoleErrors = watchConsole();

  beforeAll(async () => {
    server = await startEditorServer({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
    for (const person of PEOPLE) {
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      consoleErrors.watch(page, person.name);
      await page.goto(`${server.url}shared?name=${person.name}`);
      await page.getByTestId('status').filter({ hasText: 'live' }).waitFor();
      pages.push(page);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('three people typing at once: one text, every character once, carets where each typed last', async () => {
    // Everyone sees everyone before typing starts.
    for (const page of pages)
      await eventually(
        () => page.getByTestId('people').locator('li').count(),
        (n) => n === 3,
        10_000,
        'three people listed',
      );
    for (const page of pages) await page.getByTestId('text').click();
    await Promise.all(pages.map((page, i) => page.keyboard.type(PEOPLE[i].typed, { delay: 30 + 7 * i })));

    const serverText = async () => {
      const response = await fetch(`${server.url}docs/shared`);
      return response.text();
    };
    const values = await eventually(
      async () => [
        ...(await Promise.all(pages.map((p) => p.getByTestId('text').inputValue()))),
        await serverText(),
      ],
      (texts) => texts.every((t) => t === texts[0]) && texts[0].length === 48,
      15_000,
      'every page and the server to hold the same text',
    );
    const text = values[0];
    console.log('editor e2e text:', text);
    for (const char of PEOPLE.flatMap((p) => [...p.typed]))
      expect(text.split(char).length - 1, `${JSON.stringify(char)} once in ${JSON.stringify(text)}`).toBe(1);
    for (const person of PEOPLE) {
      // Each person's characters in the order they typed them.
      const positions = [...person.typed].map((c) => text.indexOf(c));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }

    // Each person's own caret is right after the character they typed last.
    const expected = PEOPLE.map((p) => text.indexOf(p.typed.at(-1)!) + 1);
    for (const [i, page] of pages.entries()) {
      const caret = await page
        .getByTestId('text')
        .evaluate((el) => (el as HTMLTextAreaElement).selectionStart);
      expect(caret, `${PEOPLE[i].name}'s caret`).toBe(expected[i]);
    }

    // And every page shows the two other carets there (in code points; the text is ASCII).
    for (const [i, page] of pages.entries()) {
      const shown = await eventually(
        () =>
          page.getByTestId('caret').evaluateAll((els) =>
            els.map((el) => ({
              name: el.getAttribute('data-name'),
              offset: Number(el.getAttribute('data-offset')),
              exact: el.getAttribute('data-exact') === 'true',
            })),
          ),
        (carets) =>
          carets.length === 2 &&
          PEOPLE.every(
            (p, j) => j === i || carets.some((c) => c.name === p.name && c.offset === expected[j] && c.exact),
          ),
        10_000,
        `${PEOPLE[i].name}'s page to show the other carets where they are`,
      );
      expect(shown.map((c) => c.name).sort()).toEqual(PEOPLE.filter((_, j) => j !== i).map((p) => p.name));
    }
    expect(consoleErrors.unexpected()).toEqual([]);
  });

  test('a person who closes the page leaves: the others stop showing their caret', async () => {
    await pages[2].context().close();
    for (const page of pages.slice(0, 2))
      await eventually(
        () => page.getByTestId('caret').count(),
        (n) => n === 1,
        10_000,
        "carol's caret to go",
      );
    await eventually(
      async () => (await (await fetch(`${server.url}presence/shared`)).json()) as Record<string, unknown>,
      (entries) => Object.keys(entries).length === 2,
      10_000,
      'the server to drop her entry',
    );
  });
});

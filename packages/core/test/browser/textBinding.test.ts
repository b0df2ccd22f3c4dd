// Collaborative text in real chromium: pages bound with bindTextarea to one braid.text resource type into the
// same element at once (playwright keyboard.type with delays), an IME composition is simulated while a remote
// edit arrives, and <input> / contenteditable bindings converge too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type BraidServer, createBraidServer } from '@braid-live/server';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../e2e/support/chromium';
import { waitFor } from '../client/harness';

let braid: BraidServer;
let server: http.Server;
let base: string;
let browser: Browser;

const ELEMENTS: Record<string, string> = {
  textarea: '<textarea id="t" rows="6" cols="60"></textarea>',
  input: '<input id="t" size="60">',
  editable:
    '<div id="t" contenteditable="plaintext-only" style="white-space: pre-wrap; min-height: 3em"></div>',
};

const html = (
  doc: string,
  kind: string,
  peer: string,
) => `<!doctype html><meta charset="utf-8"><title>${peer}</title>
${ELEMENTS[kind]}
<script src="/braid-text.js"></script>
<script>
  const el = document.getElementById('t');
  window.resource = new BraidText.TextResource('/docs/${doc}', { peer: '${peer}' });
  BraidText.bindTextarea(window.resource, el);
  window.read = () => (el.value ?? el.textContent);
  window.caret = () => {
    if ('selectionStart' in el && el.selectionStart !== undefined) return el.selectionStart;
    const s = getSelection(); const r = document.createRange();
    r.selectNodeContents(el); r.setEnd(s.focusNode, s.focusOffset); return r.toString().length;
  };
</script>`;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../../src/text/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'BraidText',
    write: false,
    platform: 'browser',
  });
  const script = bundle.outputFiles[0].contents;
  braid = createBraidServer({ onError: () => {} });
  braid.text('/docs/:id', { initial: '' });
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/braid-text.js') {
      res.setHeader('Content-Type', 'text/javascript');
      return void res.end(script);
    }
    if (url.pathname === '/page') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      const q = url.searchParams;
      return void res.end(html(q.get('doc')!, q.get('kind')!, q.get('peer')!));
    }
    braid.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await braid?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function openPages(doc: string, kind: string, peers: string[]): Promise<Page[]> {
  const context = await browser.newContext();
  const pages: Page[] = [];
  for (const peer of peers) {
    const page = await context.newPage();
    await page.goto(`${base}/page?doc=${doc}&kind=${kind}&peer=${peer}`);
    await page.waitForFunction(
      () => (window as unknown as { resource: { isLoaded: boolean } }).resource.isLoaded,
    );
    pages.push(page);
  }
  return pages;
}

const read = (page: Page) => page.evaluate(() => (window as unknown as { read: () => string }).read());
const caret = (page: Page) => page.evaluate(() => (window as unknown as { caret: () => number }).caret());

/** The text once every page shows the server's and has nothing pending. */
async function converged(pages: Page[], doc: string): Promise<string> {
  const text = await waitFor(
    async () => {
      const server = (await braid.get<string>(`/docs/${doc}`)).value;
      const texts = await Promise.all(pages.map(read));
      const idle = await Promise.all(
        pages.map((p) =>
          p.evaluate(() => !(window as unknown as { resource: { pending: boolean } }).resource.pending),
        ),
      );
      return texts.every((t) => t === server) && idle.every(Boolean) ? server : undefined;
    },
    20_000,
    'every page to show the server text',
  );
  return text ?? '';
}

describe('bindTextarea in chromium', () => {
  it('three people type into one textarea at once: every character once everywhere, carets after their own', async () => {
    const words = ['abcdefghijkl', 'mnopqrstuvwx', 'ABCDEFGHIJKL'];
    const pages = await openPages('three', 'textarea', ['p0', 'p1', 'p2']);
    await Promise.all(pages.map((page) => page.focus('#t')));
    await Promise.all(pages.map((page, i) => page.keyboard.type(words[i], { delay: 25 + 10 * i })));
    const text = await converged(pages, 'three');
    for (const ch of words.join('')) expect(text.split(ch).length - 1, `${ch} in ${text}`).toBe(1);
    expect([...text].length).toBe(words.join('').length);
    for (let i = 0; i < pages.length; i++) {
      const at = await caret(pages[i]);
      expect(text[at - 1], `${words[i]}'s caret in ${JSON.stringify(text)} at ${at}`).toBe(words[i].at(-1));
    }
    await pages[0].context().close();
  }, 90_000);

  it('holds a remote edit during an IME composition and applies it after compositionend', async () => {
    const [a, b] = await openPages('ime', 'textarea', ['ime-a', 'ime-b']);
    await a.focus('#t');
    await a.keyboard.type('hello ', { delay: 10 });
    await converged([a, b], 'ime');
    // A starts composing at the end; the composition text changes twice (as a Korean IME does).
    await a.evaluate(() => {
      const el = document.getElementById('t') as HTMLTextAreaElement;
      el.dispatchEvent(new CompositionEvent('compositionstart', { data: '' }));
      for (const step of ['ㅎ', '하', '한']) {
        el.setRangeText(step, 6, el.value.length, 'end');
        el.dispatchEvent(
          new InputEvent('input', { data: step, inputType: 'insertCompositionText', isComposing: true }),
        );
      }
    });
    // B edits the start meanwhile: A's textarea must not change under the composition.
    await b.focus('#t');
    await b.keyboard.press('Home');
    await b.keyboard.type('>> ', { delay: 10 });
    await waitFor(
      async () => (await braid.get<string>('/docs/ime')).value.startsWith('>> '),
      10_000,
      "B's edit",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await read(a)).toBe('hello 한');
    await a.evaluate(() => {
      const el = document.getElementById('t') as HTMLTextAreaElement;
      el.dispatchEvent(new CompositionEvent('compositionend', { data: '한' }));
    });
    const text = await converged([a, b], 'ime');
    expect(text).toBe('>> hello 한');
    expect(await caret(a)).toBe(text.length); // still right after the composed syllable
    await a.context().close();
  }, 60_000);

  for (const kind of ['input', 'editable']) {
    it(`two people type into one ${kind} at once and converge`, async () => {
      const pages = await openPages(`k-${kind}`, kind, [`${kind}0`, `${kind}1`]);
      await Promise.all(pages.map((page) => page.focus('#t')));
      const words = ['abcdefgh', 'ABCDEFGH'];
      await Promise.all(pages.map((page, i) => page.keyboard.type(words[i], { delay: 30 })));
      const text = await converged(pages, `k-${kind}`);
      for (const ch of words.join('')) expect(text.split(ch).length - 1, `${ch} in ${text}`).toBe(1);
      await pages[0].context().close();
    }, 60_000);
  }
});

import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { createBraidServer, memoryStore } from '../src/index';

// The 209 body is close-delimited on HTTP/1.1 (no chunked framing). Check that a real browser's fetch reads it
// incrementally: updates arrive while the response is still open, and the stream ends when the server closes.

const CHROMIUM = '/usr/bin/chromium';

it.skipIf(!existsSync(CHROMIUM))(
  'a browser reads the close-delimited subscription stream as it arrives',
  async () => {
    const braid = createBraidServer({ store: memoryStore() });
    braid.resource('/doc', { initial: { n: 0 } });
    const server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<!doctype html><title>braid</title>');
      } else braid.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.evaluate(() => {
        const w = window as unknown as { received: string; ended: boolean; subStatus: number };
        w.received = '';
        w.ended = false;
        void fetch('/doc', { headers: { Subscribe: 'true' } }).then(async (res) => {
          w.subStatus = res.status;
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            w.received += decoder.decode(value);
          }
          w.ended = true;
        });
      });
      const received = () => page.evaluate(() => (window as unknown as { received: string }).received);
      await expect.poll(received, { timeout: 5000 }).toContain('{"n":0}');
      const version = await braid.patch('/doc', (d: { n: number }) => {
        d.n = 1;
      });
      // Arrives while the response is still open
      await expect.poll(received, { timeout: 5000 }).toContain(`Version: "${version}"`);
      const status = await page.evaluate(async () => {
        const res = await fetch('/doc', {
          method: 'PUT',
          headers: { Version: '"from-browser"' },
          body: '{"n":2}',
        });
        return res.status;
      });
      expect(status).toBe(200);
      await expect.poll(received, { timeout: 5000 }).toContain('Version: "from-browser"');
      expect(await page.evaluate(() => (window as unknown as { subStatus: number }).subStatus)).toBe(209);
      await braid.close();
      await expect
        .poll(() => page.evaluate(() => (window as unknown as { ended: boolean }).ended), { timeout: 5000 })
        .toBe(true);
    } finally {
      await browser.close();
      await braid.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  },
  30_000,
);

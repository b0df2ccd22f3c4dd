// @vitest-environment jsdom
// Network signals: a server that goes silent (heartbeat liveness), 503 + Retry-After, and the browser's
// online/offline events (jsdom's window), each against a real socket on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { startServer, type TestServer, waitFor } from './harness';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rawServer(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('liveness and retries', () => {
  it('reconnects when a subscription goes silent for longer than 1.2·heartbeat + 3 s', async () => {
    const opened: number[] = [];
    const base = await rawServer((_req, res) => {
      opened.push(Date.now());
      // Promises heartbeats every 0.5 s, sends a snapshot, then never writes again (a dead proxy, say).
      res.writeHead(209, { Subscribe: 'true', Heartbeats: '0.5s' });
      res.write('HTTP 200 OK\r\nVersion: "v1"\r\nContent-Length: 7\r\n\r\n{"a":1}\r\n\r\n');
    });
    const client = new BraidClient({ baseUrl: base, heartbeats: 0.5, retry: { baseMs: 10, maxMs: 50 } });
    cleanups.push(() => client.close());
    const res = client.resource('/doc');
    res.subscribe(() => {});
    await res.ready;
    await waitFor(() => opened.length >= 2, 8000, 'a second subscription');
    const gap = opened[1] - opened[0];
    expect(gap).toBeGreaterThanOrEqual(3500); // 1.2 * 0.5 + 3 = 3.6 s, give or take timers
    expect(gap).toBeLessThan(6000);
  }, 15_000);

  it('honours Retry-After on 503, then subscribes', async () => {
    const attempts: number[] = [];
    const base = await rawServer((_req, res) => {
      attempts.push(Date.now());
      if (attempts.length === 1) {
        res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain' });
        res.end('busy\n');
        return;
      }
      res.writeHead(209, { Subscribe: 'true' });
      res.write('HTTP 200 OK\r\nVersion: "v1"\r\nContent-Length: 7\r\n\r\n{"a":1}\r\n\r\n');
    });
    const client = new BraidClient({ baseUrl: base, retry: { baseMs: 10, maxMs: 50 } });
    cleanups.push(() => client.close());
    const res = client.resource<{ a: number }>('/doc');
    const states: string[] = [];
    res.subscribe(() => states.push(res.getStatus().state));
    await res.ready;
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(950);
    expect(states).toContain('reconnecting');
    expect(res.getSnapshot()).toEqual({ a: 1 });
  });
});

describe("the browser's online/offline events", () => {
  let server: TestServer;
  afterEach(async () => {
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
    await server?.stop();
  });

  it('goes offline without retrying, and comes back live at once when online again', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/doc', { initial: { n: 0 } }),
    }));
    const client = new BraidClient({ baseUrl: server.base, retry: { baseMs: 5_000, maxMs: 10_000 } });
    cleanups.push(() => client.close());
    const res = client.resource<{ n: number }>('/doc');
    res.subscribe(() => {});
    await res.ready;
    expect(res.getStatus().state).toBe('live');

    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    window.dispatchEvent(new Event('offline'));
    await waitFor(() => res.getStatus().state === 'offline', 2000, 'offline');
    res.set((d) => void (d.n = 5)); // kept while offline
    await new Promise((r) => setTimeout(r, 300));
    expect(res.getStatus().state).toBe('offline');
    expect(res.getStatus().pending).toBe(1);

    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
    window.dispatchEvent(new Event('online'));
    // Back well before the 5 s backoff would have allowed: the online event wakes it.
    await waitFor(
      () => res.getStatus().state === 'live' && res.getStatus().pending === 0,
      2000,
      'live again',
    );
    expect((await server.braid.get('/doc')).value).toEqual({ n: 5 });
  });
});

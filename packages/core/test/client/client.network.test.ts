// @vitest-environment jsdom
// Network signals: a server that goes silent (heartbeat liveness), 503 + Retry-After, and the browser's
// online/offline events (jsdom's window), each against a real socket on 127.0.0.1. Time is fake (the client's
// and the server's timers), so waiting 3.6 s of silence takes a few milliseconds.
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '@braid-live/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { advance, startServer, type TestServer, useFakeTimers, waitFor } from './harness';

const cleanups: (() => unknown)[] = [];
beforeEach(() => useFakeTimers());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.useRealTimers();
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
    // 1.2 · 0.5 + 3 = 3.6 s of silence: not yet at 3.5 s...
    await advance(3500);
    expect(opened).toHaveLength(1);
    expect(res.getStatus().state).toBe('live');
    // ...and once it has passed (plus a backoff of at most 50 ms), a new subscription.
    await advance(300);
    await waitFor(() => opened.length >= 2, 5000, 'a second subscription');
    expect(opened[1] - opened[0]).toBeGreaterThanOrEqual(3600);
  });

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
    await waitFor(() => res.getStatus().error?.status === 503, 5000, 'the 503');
    expect(states).toContain('reconnecting');
    // The backoff alone would retry within 50 ms; Retry-After holds it for 1 s.
    await advance(900);
    expect(attempts).toHaveLength(1);
    await advance(200);
    await res.ready;
    expect(attempts).toHaveLength(2);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(1000);
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
    const subscribers = server.braid.stats().subscribers;
    res.set((d) => void (d.n = 5)); // kept while offline
    // Longer than the 5-10 s backoff: offline, it does not retry at all.
    await advance(12_000, 500);
    expect(res.getStatus().state).toBe('offline');
    expect(res.getStatus().pending).toBe(1);
    expect(server.braid.stats().subscribers).toBeLessThanOrEqual(subscribers);

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

describe('a resource that keeps retrying', () => {
  it('holds no more abort listeners after 40 backoffs than after 2 (no listener per retry)', async () => {
    let refusals = 0;
    const base = await rawServer((_req, res) => {
      refusals++;
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('down\n');
    });
    const client = new BraidClient({ baseUrl: base, retry: { baseMs: 10, maxMs: 10 } });
    cleanups.push(() => client.close());
    const res = client.resource('/doc');
    res.subscribe(() => {});
    const running = () => (res as unknown as { running: AbortController }).running.signal;
    const listeners = () => getEventListeners(running(), 'abort').length;
    await waitFor(
      async () => {
        await advance(20);
        return refusals >= 2;
      },
      5000,
      'two refusals',
    );
    const early = listeners();
    await waitFor(
      async () => {
        await advance(20);
        return refusals >= 40;
      },
      10_000,
      'forty refusals',
    );
    expect(listeners()).toBeLessThanOrEqual(early);
  });
});

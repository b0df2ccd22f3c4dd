// Multiplexing v1.0 end to end: BraidClient ↔ @braid-live/server, BraidClient ↔ braidify (with and without its
// multiplexer), and braid-http's own multiplexing client ↔ @braid-live/server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { braidFetch, braidify } from '../referenceBraid';
import { limitedFetch, recordingFetch, startServer, type TestServer, waitFor } from './harness';

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.stop();
  server = undefined;
});

async function tickerServer() {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) => braid.resource('/t/:n', { initial: (params) => ({ n: Number(params.n), price: 0 }) }),
  }));
  return server;
}

describe('BraidClient over a multiplexer (@braid-live/server)', () => {
  it('carries 50 subscriptions on one stream; each resource gets its updates and its writes', async () => {
    const srv = await tickerServer();
    const rec = recordingFetch();
    const client = new BraidClient({ baseUrl: srv.base, fetch: rec.fetch, multiplex: true, peer: 'm' });
    cleanups.push(() => client.close());
    const resources = Array.from({ length: 50 }, (_, i) =>
      client.resource<{ n: number; price: number }>(`/t/${i}`),
    );
    for (const r of resources) r.subscribe(() => {});
    await Promise.all(resources.map((r) => r.ready));
    expect(resources.map((r) => r.getSnapshot()!.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const stats = srv.braid.stats();
    expect(stats.multiplexers).toBe(1);
    expect(stats.subscribers).toBe(50);
    expect(rec.requests.filter((r) => r.headers['multiplex-through'])).toHaveLength(50);

    for (let i = 0; i < 50; i++)
      await srv.braid.patch(`/t/${i}`, (d: { price: number }) => void (d.price = i * 10));
    await waitFor(() => resources.every((r, i) => r.getSnapshot()!.price === i * 10), 5000, 'every update');
    resources[7].set((d) => void (d.price = -1));
    await waitFor(() => resources[7].getStatus().pending === 0);
    expect((await srv.braid.get<{ price: number }>('/t/7')).value.price).toBe(-1);
  });

  it('keeps 50 resources live through 6 connections (a browser per-origin limit); without it the 7th stalls', async () => {
    const srv = await tickerServer();
    const limited = limitedFetch(6);
    cleanups.push(() => limited.agent.destroy());
    const client = new BraidClient({ baseUrl: srv.base, fetch: limited.fetch, multiplex: true });
    cleanups.push(() => client.close());
    const resources = Array.from({ length: 50 }, (_, i) => client.resource<{ price: number }>(`/t/${i}`));
    for (const r of resources) r.subscribe(() => {});
    await Promise.all(resources.map((r) => r.ready));
    for (let i = 0; i < 50; i++)
      await srv.braid.patch(`/t/${i}`, (d: { price: number }) => void (d.price = 1));
    await waitFor(() => resources.every((r) => r.getSnapshot()!.price === 1), 5000, 'every update');
    // A plain request still goes through while all 50 are live.
    const plain = await limited.fetch(`${srv.base}/t/0`);
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as { price: number }).price).toBe(1);

    // The same without multiplexing: 6 subscriptions hold the 6 connections, the others never start.
    const stalled = limitedFetch(6);
    cleanups.push(() => stalled.agent.destroy());
    const plainClient = new BraidClient({ baseUrl: srv.base, fetch: stalled.fetch, multiplex: false });
    cleanups.push(() => plainClient.close());
    const others = Array.from({ length: 10 }, (_, i) => plainClient.resource(`/t/${i}`));
    for (const r of others) r.subscribe(() => {});
    await waitFor(
      () => others.filter((r) => r.getSnapshot() !== undefined).length === 6,
      5000,
      'six snapshots',
    );
    // The other 4 wait in the agent's queue for a connection that never frees up (no sleeping to show it).
    await waitFor(
      () => Object.values(stalled.agent.requests).flat().length === 4,
      5000,
      'four queued requests',
    );
    expect(others.filter((r) => r.getSnapshot() !== undefined)).toHaveLength(6);
  });

  it('resumes every resource with Parents when the multiplexer stream is cut', async () => {
    const srv = await tickerServer();
    const rec = recordingFetch();
    const client = new BraidClient({
      baseUrl: srv.base,
      fetch: rec.fetch,
      multiplex: true,
      retry: { baseMs: 20, maxMs: 100 },
    });
    cleanups.push(() => client.close());
    const resources = Array.from({ length: 5 }, (_, i) => client.resource<{ price: number }>(`/t/${i}`));
    for (const r of resources) r.subscribe(() => {});
    await Promise.all(resources.map((r) => r.ready));
    for (let i = 0; i < 5; i++)
      await srv.braid.patch(`/t/${i}`, (d: { price: number }) => void (d.price = 1));
    await waitFor(() => resources.every((r) => r.getSnapshot()!.price === 1));
    const before = rec.subscriptions().length;
    for (const socket of srv.sockets) socket.destroy(); // the multiplexer stream among them
    await waitFor(() => rec.subscriptions().length >= before + 5, 5000, 'resubscriptions');
    await waitFor(() => resources.every((r) => r.getStatus().state === 'live'));
    // Resumed from the version each had: with Parents.
    const resumed = rec.subscriptions().slice(before);
    expect(resumed.every((r) => r.headers.parents)).toBe(true);
    for (let i = 0; i < 5; i++)
      await srv.braid.patch(`/t/${i}`, (d: { price: number }) => void (d.price = 2));
    await waitFor(() => resources.every((r) => r.getSnapshot()!.price === 2));
  });

  it('tells the server to stop sending a released subscription (DELETE), and the rest keep going', async () => {
    const srv = await tickerServer();
    const client = new BraidClient({ baseUrl: srv.base, multiplex: true, gracePeriodMs: 50 });
    cleanups.push(() => client.close());
    const [a, b] = [client.resource<{ price: number }>('/t/0'), client.resource<{ price: number }>('/t/1')];
    const offA = a.subscribe(() => {});
    b.subscribe(() => {});
    await Promise.all([a.ready, b.ready]);
    expect(srv.braid.stats().subscribers).toBe(2);
    offA();
    await waitFor(() => srv.braid.stats().subscribers === 1, 3000, 'the released subscription to end');
    await srv.braid.patch('/t/1', (d: { price: number }) => void (d.price = 5));
    await waitFor(() => b.getSnapshot()!.price === 5);
  });

  it("'auto' carries every subscription to an origin in the one stream once there is a second", async () => {
    const srv = await tickerServer();
    const rec = recordingFetch();
    const client = new BraidClient({ baseUrl: srv.base, fetch: rec.fetch });
    cleanups.push(() => client.close());
    const rs = [0, 1, 2].map((i) => client.resource(`/t/${i}`));
    for (const r of rs) r.subscribe(() => {});
    await Promise.all(rs.map((r) => r.ready));
    const subs = rec.subscriptions();
    // The first started plainly, and moved into the stream when the second came.
    expect(subs.filter((r) => r.headers['multiplex-through'])).toHaveLength(3);
    await waitFor(() => srv.braid.stats().multiplexedSubscribers === 3, 3000, 'all three multiplexed');
    expect(srv.braid.stats()).toMatchObject({ multiplexers: 1, subscribers: 3 });
  });
});

/** A braidify (braid-http 1.3.80) server keeping one JSON document per path. */
async function braidifyServer(multiplex: boolean) {
  const subs = new Map<string, Set<{ sendUpdate(u: unknown): void }>>();
  const handler = braidify(async (req: any, res: any) => {
    if (req.method === 'GET' && req.subscribe) {
      res.startSubscription({ onClose: () => subs.get(req.url)?.delete(res) });
      if (!subs.has(req.url)) subs.set(req.url, new Set());
      subs.get(req.url)!.add(res);
      res.sendUpdate({ version: ['v0'], body: JSON.stringify({ path: req.url, n: 0 }) });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  const previous = braidify.enable_multiplex;
  braidify.enable_multiplex = multiplex;
  const srv = http.createServer(handler);
  const multiplexerRequests: string[] = [];
  srv.on('request', (req) => {
    if (req.url?.startsWith('/.well-known/multiplexer')) multiplexerRequests.push(`${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    braidify.enable_multiplex = previous;
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });
  const push = (n: number) => {
    for (const set of subs.values())
      for (const s of set)
        s.sendUpdate({ version: [`v${n}`], patches: [{ unit: 'json', range: '.n', content: String(n) }] });
  };
  return { base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, push, multiplexerRequests };
}

describe('BraidClient against braid-http 1.3.80 braidify servers', () => {
  it.each([
    [true, 'its multiplexer'],
    [false, 'no multiplexer (falls back to plain requests)'],
  ])('10 resources live with %s: %s', async (multiplex) => {
    const srv = await braidifyServer(multiplex);
    const client = new BraidClient({ baseUrl: srv.base, multiplex: true, heartbeats: 0 });
    cleanups.push(() => client.close());
    const rs = Array.from({ length: 10 }, (_, i) => client.resource<{ path: string; n: number }>(`/r${i}`));
    for (const r of rs) r.subscribe(() => {});
    await Promise.all(rs.map((r) => r.ready));
    expect(rs.map((r) => r.getSnapshot()!.path)).toEqual(rs.map((_, i) => `/r${i}`));
    srv.push(42);
    await waitFor(() => rs.every((r) => r.getSnapshot()!.n === 42), 5000, 'the update on every resource');
    expect(srv.multiplexerRequests.some((r) => r.startsWith('POST'))).toBe(true);
  });
});

describe("braid-http's own multiplexing client against @braid-live/server", () => {
  it('subscribes to several resources through our multiplexer and receives their updates', async () => {
    const srv = await tickerServer();
    const seen = new Map<number, string[]>();
    const aborts: AbortController[] = [];
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      const res = await braidFetch(`${srv.base}/t/${i}`, {
        subscribe: true,
        multiplex: { after: 0 },
        signal: abort.signal,
      });
      expect(res.status).toBe(209);
      expect(res.multiplexed_through).toMatch(/^\/\.well-known\/multiplexer\//);
      seen.set(i, []);
      res.subscribe(
        (update: { version?: string[]; body_text?: string; patches?: { content_text?: string }[] }) =>
          seen.get(i)!.push(update.version?.[0] ?? ''),
        () => {},
      );
    }
    cleanups.push(async () => {
      for (const a of aborts) a.abort();
      // Let its DELETEs reach the server before it stops (the reference client retries failed ones).
      await waitFor(() => srv.braid.stats().subscribers === 0, 3000, 'the DELETEs');
    });
    expect(srv.braid.stats().multiplexers).toBe(1);
    const versions: string[] = [];
    for (let i = 0; i < 3; i++)
      versions.push(await srv.braid.patch(`/t/${i}`, (d: { price: number }) => void (d.price = 9)));
    await waitFor(() => [0, 1, 2].every((i) => seen.get(i)!.includes(versions[i])), 5000, 'the updates');
  });
});

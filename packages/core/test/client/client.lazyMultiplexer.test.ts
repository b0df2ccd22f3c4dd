// The multiplexer is a chunk loaded on demand by the first subscription (BraidClient → import()). While that
// chunk loads — held open here by a gate, like a slow network — nothing may be lost: server updates made in
// the meantime, a second subscription, a write. A subscription closed while it loads is never sent.
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingFetch, startServer, type TestServer, waitFor } from './harness';

const chunk = vi.hoisted(() => {
  let release: () => void = () => {};
  const state = { loads: 0, gate: Promise.resolve(), hold: () => {}, release: () => release() };
  state.hold = () => {
    state.gate = new Promise<void>((resolve) => (release = resolve));
  };
  return state;
});

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  chunk.release();
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.stop();
  server = undefined;
});

interface List {
  items: number[];
}

/** A BraidClient from a fresh module registry: its multiplexer chunk is not loaded yet. */
async function freshClient(
  options: ConstructorParameters<typeof import('../../src/client/index').BraidClient>[0],
) {
  vi.resetModules();
  // The real module, delivered when the gate opens (a slow chunk download), counted.
  vi.doMock('../../src/client/multiplex/OriginSubscriptions', async (importOriginal) => {
    chunk.loads++;
    await chunk.gate;
    return importOriginal();
  });
  const { BraidClient } = await import('../../src/client/index');
  const client = new BraidClient(options);
  cleanups.push(() => client.close());
  return client;
}

describe('the multiplexer chunk, loaded on demand', () => {
  it('loses no update, subscription or write made while it loads', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/list/:n', { initial: { items: [] } }),
    }));
    const srv = server;
    const rec = recordingFetch();
    chunk.hold();
    const loadsBefore = chunk.loads;
    const client = await freshClient({ baseUrl: srv.base, fetch: rec.fetch, multiplex: true, peer: 'lazy' });
    const first = client.resource<List>('/list/1');
    const second = client.resource<List>('/list/2');
    const seen: number[][] = [];
    first.subscribe(() => seen.push(first.getSnapshot()?.items ?? []));

    // The chunk is loading: the server changes the document, a second subscription starts, the app writes.
    await waitFor(() => chunk.loads > loadsBefore, 5000, 'the chunk load to start');
    for (let i = 0; i < 10; i++) await srv.braid.patch('/list/1', (d: List) => void d.items.push(i));
    second.subscribe(() => {});
    // A write before the first value waits for it (as without the lazy chunk), so it is sent after the load.
    second.set((d) => void d.items.push(100));
    await new Promise((resolve) => setImmediate(resolve));
    expect(rec.subscriptions()).toHaveLength(0); // nothing subscribed yet: the chunk is still loading
    expect(chunk.loads - loadsBefore).toBe(1);

    chunk.release();
    await Promise.all([first.ready, second.ready]);
    for (let i = 10; i < 20; i++) await srv.braid.patch('/list/1', (d: List) => void d.items.push(i));
    const all = Array.from({ length: 20 }, (_, i) => i);
    await waitFor(() => first.getSnapshot()?.items.length === 20, 5000, 'every update');
    expect(first.getSnapshot()!.items).toEqual(all);
    await waitFor(() => second.getStatus().pending === 0, 5000, 'the write made while the chunk loaded');
    expect(second.getSnapshot()!.items).toEqual([100]);
    expect(seen.at(-1)).toEqual(all);
    // Both went through the one multiplexer stream, once the chunk was there.
    expect(srv.braid.stats().multiplexers).toBe(1);
    expect(rec.requests.filter((r) => r.headers['multiplex-through'])).toHaveLength(2);
    expect((await srv.braid.get<List>('/list/2')).value.items).toEqual([100]);
  });

  it('never sends a subscription closed while the chunk loads', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/list/:n', { initial: { items: [] } }),
    }));
    const srv = server;
    const rec = recordingFetch();
    chunk.hold();
    const loadsBefore = chunk.loads;
    const client = await freshClient({
      baseUrl: srv.base,
      fetch: rec.fetch,
      multiplex: true,
      gracePeriodMs: 0,
    });
    const resource = client.resource<List>('/list/1');
    const unsubscribe = resource.subscribe(() => {});
    await waitFor(() => chunk.loads > loadsBefore, 5000, 'the chunk load to start');
    unsubscribe();
    client.close();
    chunk.release();
    // Once the chunk is surely there: still no request, no subscriber, no multiplexer stream.
    await import('../../src/client/multiplex/OriginSubscriptions');
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(rec.requests).toEqual([]);
    expect(srv.braid.stats().subscribers).toBe(0);
    expect(srv.braid.stats().multiplexers).toBe(0);
  });
});

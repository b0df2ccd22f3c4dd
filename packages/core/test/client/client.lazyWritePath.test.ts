// The write path (edits, OptimisticState, PUTs, undo, and applying patches) is a chunk loaded on demand
// (ClientResource → import()), prefetched by the first subscription. While it loads — held open here by a gate,
// like a slow network — the first value (a snapshot) shows as usual; a live update (patches) waits for the chunk
// and is applied once it is there, in order; a set() made meanwhile is counted as pending, shown and sent once
// the chunk is there, and its promise settles: nothing is lost. A chunk that fails to load is reported and
// loaded again.
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BraidError } from '../../src/client/BraidError';
import { recordingFetch, startServer, type TestServer, waitFor } from './harness';

const chunk = vi.hoisted(() => {
  let release: () => void = () => {};
  const state = {
    loads: 0,
    failures: 0,
    gate: Promise.resolve(),
    hold: () => {},
    release: () => release(),
  };
  state.hold = () => {
    state.gate = new Promise<void>((resolve) => (release = resolve));
  };
  return state;
});

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  chunk.release();
  chunk.failures = 0;
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.stop();
  server = undefined;
});

interface List {
  items: number[];
}

/** A BraidClient from a fresh module registry: its write path chunk is not loaded yet. */
async function freshClient(
  options: ConstructorParameters<typeof import('../../src/client/index').BraidClient>[0],
) {
  vi.resetModules();
  // The real module, delivered when the gate opens (a slow chunk download), or a failed download.
  vi.doMock('../../src/client/ResourceWriter', async (importOriginal) => {
    chunk.loads++;
    await chunk.gate;
    if (chunk.failures > 0) {
      chunk.failures--;
      throw new TypeError('Failed to fetch dynamically imported module');
    }
    return importOriginal();
  });
  const { BraidClient } = await import('../../src/client/index');
  const client = new BraidClient(options);
  cleanups.push(() => client.close());
  return client;
}

/**
 * fetch, counting subscriptions and the `Version:` headers that reached the client on them; holdBytes() keeps
 * what arrives from then on, releaseBytes() hands it to the client as one chunk (one read).
 */
function countingFetch() {
  let held: Uint8Array[] | undefined;
  let controllerOfHeld: TransformStreamDefaultController<Uint8Array> | undefined;
  const state = {
    subscriptions: 0,
    /** Each subscription's Parents header. */
    parents: [] as (string | null)[],
    text: '',
    versions: () => state.text.split(/^version:/im).length - 1,
    holdBytes: () => {
      held = [];
    },
    releaseBytes: () => {
      const bytes = new Uint8Array(held!.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of held!) {
        bytes.set(b, at);
        at += b.length;
      }
      held = undefined;
      controllerOfHeld!.enqueue(bytes);
    },
    fetch: async (input: string, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      if (!new Headers(init?.headers).has('subscribe') || !response.body) return response;
      state.subscriptions++;
      state.parents.push(new Headers(init?.headers).get('parents'));
      const decoder = new TextDecoder();
      const counted = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(bytes, controller) {
            state.text += decoder.decode(bytes, { stream: true });
            controllerOfHeld = controller;
            if (held) held.push(bytes);
            else controller.enqueue(bytes);
          },
        }),
      );
      return new Response(counted, { status: response.status, headers: response.headers });
    },
  };
  return state;
}

async function listServer(): Promise<TestServer> {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) => braid.resource('/list', { initial: { items: [] } }),
  }));
  return server;
}

describe('the write path chunk, loaded on demand', () => {
  it('reads while it loads; a set() made meanwhile is pending, then shown, sent and confirmed', async () => {
    const srv = await listServer();
    const rec = recordingFetch();
    chunk.hold();
    const loadsBefore = chunk.loads;
    const client = await freshClient({ baseUrl: srv.base, fetch: rec.fetch, peer: 'lazy' });
    const list = client.resource<List>('/list');
    const seen: number[][] = [];
    list.subscribe(() => seen.push(list.getSnapshot()?.items ?? []));

    // The first subscription prefetches the chunk; the first value (a snapshot) needs none of it.
    await list.ready;
    await waitFor(() => chunk.loads > loadsBefore, 5000, 'the chunk load to start');
    expect(list.getSnapshot()).toEqual({ items: [] });

    // Edits made while it loads: counted at once, nothing sent yet, nothing lost.
    const first = list.set((d) => void d.items.push(2));
    const second = list.set({ items: [1, 2, 3] });
    let settled = 0;
    void first.then(() => settled++);
    void second.then(() => settled++);
    expect(list.getStatus().pending).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rec.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect(settled).toBe(0);
    expect(chunk.loads - loadsBefore).toBe(1); // one load for the client, however many resources and edits

    chunk.release();
    await Promise.all([first, second]);
    expect(list.getSnapshot()!.items).toEqual([1, 2, 3]);
    expect(list.getStatus().pending).toBe(0);
    expect((await srv.braid.get<List>('/list')).value.items).toEqual([1, 2, 3]);
    expect(seen).toContainEqual([2]); // the recipe's edit was shown before the plain value replaced it
    expect(chunk.loads - loadsBefore).toBe(1);
  });

  it('live updates that arrive while it loads wait for it, then apply in order (the stream holds)', async () => {
    const srv = await listServer();
    const wire = countingFetch();
    chunk.hold();
    const client = await freshClient({ baseUrl: srv.base, fetch: wire.fetch, peer: 'lazy-read' });
    const list = client.resource<List>('/list');
    const seen: number[][] = [];
    list.subscribe(() => seen.push(list.getSnapshot()?.items ?? []));
    await list.ready;

    for (const n of [1, 2, 3]) await srv.braid.patch('/list', (d: List) => void d.items.push(n));
    // The first update's bytes reached the client (a snapshot and one update: two Version headers)...
    await waitFor(() => wire.versions() >= 2, 5000, 'the first update on the wire');
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // ...and wait: applying patches is the chunk's code.
    expect(list.getSnapshot()).toEqual({ items: [] });

    chunk.release();
    await waitFor(() => list.getSnapshot()?.items.length === 3, 5000, 'the held updates');
    const shown = seen.map((items) => items.join(',')).filter((items, i, all) => items !== all[i - 1]);
    expect(shown).toEqual(['', '1', '1,2', '1,2,3']);
    expect(list.getStatus()).toMatchObject({ state: 'live', pending: 0 });
    expect(wire.subscriptions).toBe(1); // held, not dropped: the same stream went on
  });

  it('a stream cut while an update waits for the chunk applies none of the updates behind it (resumed instead)', async () => {
    const srv = await listServer();
    const wire = countingFetch();
    chunk.hold();
    const client = await freshClient({
      baseUrl: srv.base,
      fetch: wire.fetch,
      retry: { baseMs: 1, maxMs: 5 },
    });
    const list = client.resource<List>('/list');
    const seen: string[] = [];
    list.subscribe(() => seen.push((list.getSnapshot()?.items ?? []).join(',')));
    await list.ready;
    const snapshotVersion = list
      .getStatus()
      .version!.map((v) => JSON.stringify(v))
      .join(', ');

    // Two updates reach the client in one read: the first waits for the chunk, the second behind it.
    wire.holdBytes();
    await srv.braid.patch('/list', (d: List) => void d.items.push(1));
    await srv.braid.patch('/list', (d: List) => void d.items.push(2));
    await waitFor(() => wire.versions() >= 3, 5000, 'both updates on the wire');
    wire.releaseBytes();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    client.networkChanged(false); // the stream is cut while they wait
    chunk.release();

    await waitFor(
      () => list.getSnapshot()?.items.length === 2,
      5000,
      'both updates, from the resumed stream',
    );
    expect(list.getSnapshot()).toEqual({ items: [1, 2] });
    expect(seen).not.toContain('2'); // the second was never applied without the first
    // Resumed from the snapshot's version (no protocol error, no resync from scratch).
    expect(wire.parents).toEqual([null, snapshotVersion]);
  });

  it('a chunk that fails to load while an update waits ends the stream; the next one resumes, nothing lost', async () => {
    const srv = await listServer();
    const wire = countingFetch();
    chunk.hold();
    chunk.failures = 1;
    const client = await freshClient({
      baseUrl: srv.base,
      fetch: wire.fetch,
      retry: { baseMs: 1, maxMs: 5 },
    });
    const list = client.resource<List>('/list');
    const errors: (BraidError | undefined)[] = [];
    list.subscribe(() => errors.push(list.getStatus().error));
    await list.ready;

    await srv.braid.patch('/list', (d: List) => void d.items.push(1));
    await waitFor(() => wire.versions() >= 2, 5000, 'the update on the wire');
    chunk.release();
    await waitFor(() => list.getSnapshot()?.items.length === 1, 5000, 'the update, after a second load');
    expect(list.getSnapshot()).toEqual({ items: [1] });
    const failure = errors.find((e) => e !== undefined);
    expect(failure?.kind).toBe('network');
    expect(failure?.message).toMatch(/Failed to fetch dynamically imported module/);
    expect(wire.subscriptions).toBe(2); // resumed from the snapshot's version
    await srv.braid.patch('/list', (d: List) => void d.items.push(2));
    await waitFor(() => list.getSnapshot()?.items.length === 2, 5000, 'a later update');
    expect(list.getSnapshot()).toEqual({ items: [1, 2] });
  });

  it('a chunk that fails to load loses no edit: the failure is reported, and the next edit loads it again', async () => {
    const srv = await listServer();
    chunk.hold();
    chunk.failures = 1;
    const errors: BraidError[] = [];
    const client = await freshClient({ baseUrl: srv.base, onError: (e) => errors.push(e) });
    const list = client.resource<List>('/list');
    list.subscribe(() => {});
    await list.ready;

    const first = list.set((d) => void d.items.push(1));
    chunk.release();
    await waitFor(() => errors.length > 0, 5000, 'the failed load to be reported');
    expect(errors[0]!.kind).toBe('network');
    expect(errors[0]!.message).toMatch(/the write path did not load/);
    expect(list.getStatus().pending).toBe(1); // still waiting, not dropped

    const second = list.set((d) => void d.items.push(2));
    await Promise.all([first, second]);
    expect(list.getSnapshot()!.items).toEqual([1, 2]);
    expect((await srv.braid.get<List>('/list')).value.items).toEqual([1, 2]);
  });

  it('closing the client while the chunk loads rejects the waiting set() (closed), and sends nothing', async () => {
    const srv = await listServer();
    const rec = recordingFetch();
    chunk.hold();
    const client = await freshClient({ baseUrl: srv.base, fetch: rec.fetch });
    const list = client.resource<List>('/list');
    list.subscribe(() => {});
    await list.ready;
    const write = list.set((d) => void d.items.push(1));
    client.close();
    await expect(write).rejects.toMatchObject({ kind: 'closed' });
    chunk.release();
    await import('../../src/client/ResourceWriter');
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(rec.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect((await srv.braid.get<List>('/list')).value.items).toEqual([]);
  });
});

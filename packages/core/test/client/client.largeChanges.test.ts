// Bounded cost on the client, against a real @braid-live/server on 127.0.0.1: a change of any size is sent (never
// a RangeError into the app), edits buffered while the server is away are composed, and the client's map of
// resources is bounded.
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { recordingFetch, startServer, type TestServer, waitFor } from './harness';

let server: TestServer | undefined;
const clients: BraidClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop();
  server = undefined;
});
const newClient = (options: ConstructorParameters<typeof BraidClient>[0] = {}) => {
  const client = new BraidClient({ baseUrl: server!.base, gracePeriodMs: 50, ...options });
  clients.push(client);
  return client;
};

interface Items {
  items: { done: boolean }[];
  title: string;
}
const ITEMS = 200_000;

describe('large changes', () => {
  it('a recipe touching 200,000 items is sent as one write and confirmed by the server', {
    timeout: 120_000,
  }, async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) =>
        braid.resource('/big', {
          initial: { items: Array.from({ length: ITEMS }, () => ({ done: false })), title: 't' },
        }),
    }));
    const errors: unknown[] = [];
    const { fetch, requests } = recordingFetch();
    const res = newClient({ fetch, onError: (e) => errors.push(e) }).resource<Items>('/big');
    res.subscribe(() => {});
    await res.ready;
    const untouched = res.getSnapshot()!;

    expect(() =>
      res.set((d) => {
        for (const item of d.items) item.done = true;
      }),
    ).not.toThrow();
    expect(res.getSnapshot()!.items.every((item) => item.done)).toBe(true);
    expect(res.getStatus().pending).toBe(1);

    await waitFor(() => res.getStatus().pending === 0, 100_000, 'the write confirmed');
    const head = await server.braid.get<Items>('/big');
    expect(head.value.items).toHaveLength(ITEMS);
    expect(head.value.items.every((item) => item.done)).toBe(true);
    expect(head.value.title).toBe('t');
    expect(res.getStatus().version).toEqual(head.version);
    expect(errors).toEqual([]);
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1); // atomic: nobody sees half of the change
    expect(untouched.items[0].done).toBe(false); // the earlier snapshot was not mutated
  });

  it('edits made while the server is away are composed: what is sent grows with what changed', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/doc', { initial: { text: 'hello ', n: 0 } }),
    }));
    const { fetch, requests } = recordingFetch();
    const res = newClient({ fetch, retry: { baseMs: 20, maxMs: 50 } }).resource<{ text: string; n: number }>(
      '/doc',
    );
    res.subscribe(() => {});
    await res.ready;
    await server.stop();
    await waitFor(() => res.getStatus().state !== 'live', 5000, 'disconnected');
    const typed = 'world, typed one key at a time while the server is down';
    for (const ch of typed) res.set((d) => void (d.text += ch));
    for (let i = 1; i <= 100; i++) res.set((d) => void (d.n = i));
    expect(res.getStatus().pending).toBe(typed.length + 100);

    const before = requests.length;
    await server.restart();
    await waitFor(() => res.getStatus().pending === 0, 10_000, 'everything confirmed');
    expect((await server.braid.get('/doc')).value).toEqual({ text: `hello ${typed}`, n: 100 });
    const sent = requests.slice(before).filter((r) => r.method === 'PUT');
    const patchesSent = sent.reduce((sum, r) => sum + Number(r.headers.patches ?? 1), 0);
    // One splice for the text and one set of n (at most split between the write in doubt and the buffer).
    expect(patchesSent).toBeLessThanOrEqual(4);
  });
});

describe('a stale write over the transform budget', () => {
  it('is answered 409, and the client re-bases it on the head and lands it', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore(), limits: { maxRebaseWork: 50 } },
      define: (braid) => braid.resource('/doc', { initial: { keys: {} as Record<string, number> } }),
    }));
    // PUTs wait for `release`, so the server moves on meanwhile and the write arrives stale.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const statuses: number[] = [];
    const gatedFetch = async (input: string, init?: RequestInit) => {
      if (init?.method !== 'PUT') return fetch(input, init);
      await gate;
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const errors: unknown[] = [];
    const res = newClient({ fetch: gatedFetch, onError: (e) => errors.push(e) }).resource<{
      keys: Record<string, number>;
    }>('/doc');
    res.subscribe(() => {});
    await res.ready;
    res.set((d) => {
      for (let i = 0; i < 10; i++) d.keys[`mine${i}`] = i;
    });
    // 10 versions of 10 patches since the client's Parents: 10 × 100 = 1000 > 50.
    for (let v = 0; v < 10; v++)
      await server.braid.patch('/doc', (d: { keys: Record<string, number> }) => {
        for (let i = 0; i < 10; i++) d.keys[`other${v}_${i}`] = v;
      });
    release();
    await waitFor(() => res.getStatus().pending === 0, 10_000, 'the write landed');
    expect(statuses[0]).toBe(409);
    expect(statuses.at(-1)).toBe(200);
    const head = await server.braid.get<{ keys: Record<string, number> }>('/doc');
    expect(Object.keys(head.value.keys)).toHaveLength(110);
    expect(head.value.keys.mine9).toBe(9);
    await waitFor(() => res.getStatus().version?.[0] === head.version[0], 5000, 'the client at the head');
    expect(res.getSnapshot()).toEqual(head.value);
    expect(errors).toEqual([]);
  });
});

describe('BraidClient resource map', () => {
  it('an edit to a released resource reconnects it until the server confirms it', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/doc', { initial: { n: 0 } }),
    }));
    const res = newClient().resource<{ n: number }>('/doc');
    await res.ready; // no listener: released after the grace period
    await waitFor(() => server!.braid.stats().subscribers === 0, 5000, 'released');
    res.set((d) => void (d.n = 3));
    await waitFor(() => res.getStatus().pending === 0, 5000, 'confirmed');
    expect((await server.braid.get('/doc')).value).toEqual({ n: 3 });
    await waitFor(() => server!.braid.stats().subscribers === 0, 5000, 'released again');
  });

  it('a closed resource leaves the client: the same URL gives a fresh, working resource', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/doc', { initial: { n: 0 } }),
    }));
    const client = newClient();
    const first = client.resource<{ n: number }>('/doc');
    await first.ready;
    first.close();
    const second = client.resource<{ n: number }>('/doc');
    expect(second).not.toBe(first);
    await second.ready;
    second.set((d) => void (d.n = 1));
    await waitFor(() => second.getStatus().pending === 0);
    expect((await server.braid.get('/doc')).value).toEqual({ n: 1 });
  });

  it('keeps released resources up to a bound, and a forgotten one still works for whoever holds it', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/r/:id', { initial: { n: 0 } }),
    }));
    // Through the multiplexer (the default): none of the 81 may stay held on the server once released
    // (client.multiplexOrphans.test.ts covers the race that used to leak one).
    const client = newClient();
    const released = async (i: number) => {
      const res = client.resource<{ n: number }>(`/r/${i}`);
      const stop = res.subscribe(() => {});
      await res.ready;
      stop();
      await waitFor(() => server!.braid.stats().subscribers === 0, 5000, 'released');
      return res;
    };
    const first = await released(0);
    expect(client.resource('/r/0')).toBe(first); // recently released: resumes from what it showed

    // 80 more, opened together, then released in order (their grace timers fire in that order).
    const held = [first];
    const stops: (() => void)[] = [];
    for (let i = 1; i <= 80; i++) {
      held.push(client.resource<{ n: number }>(`/r/${i}`));
      stops.push(held[i].subscribe(() => {}));
    }
    await Promise.all(held.map((res) => res.ready));
    for (const stop of stops) stop();
    await waitFor(() => server!.braid.stats().subscribers === 0, 10_000, 'all released');
    // The 64 most recently released are kept; the 17 released before them were forgotten (fresh Resources now).
    for (let i = 17; i <= 80; i++) expect(client.resource(`/r/${i}`)).toBe(held[i]);
    for (let i = 0; i <= 16; i++) expect(client.resource(`/r/${i}`)).not.toBe(held[i]);

    // Whoever still holds a forgotten resource can use it: it connects and writes as before.
    held[5].subscribe(() => {});
    held[5].set((d) => void (d.n = 7));
    await waitFor(() => held[5].getStatus().pending === 0);
    expect((await server.braid.get('/r/5')).value).toEqual({ n: 7 });
  });
});

// BraidClient against a real @braid-live/server on 127.0.0.1: subscribe, receive, write, echo, reject, share.
import { isDeepStrictEqual } from 'node:util';
import { memoryStore } from '@braid-live/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BraidError } from '../../src/client/BraidError';
import { BraidClient } from '../../src/client/index';
import { advance, recordingFetch, startServer, type TestServer, useFakeTimers, waitFor } from './harness';

interface Doc {
  title: string;
  list: number[];
  text: string;
  nested: { a: { b: number }; c: { d: number } };
  limit: number;
}
const initial: Doc = {
  title: 'hello',
  list: [1, 2, 3],
  text: 'hello world',
  nested: { a: { b: 1 }, c: { d: 1 } },
  limit: 5,
};

let server: TestServer;
let clients: BraidClient[] = [];
const newClient = (options: ConstructorParameters<typeof BraidClient>[0] = {}) => {
  const client = new BraidClient({ baseUrl: server.base, gracePeriodMs: 200, ...options });
  clients.push(client);
  return client;
};

beforeEach(async () => {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) => {
      braid.resource('/doc', {
        initial,
        initialVersion: 'v0',
        validate: (next: Doc) => (next.limit > 100 ? 'limit must be at most 100' : true),
      });
    },
  }));
});
afterEach(async () => {
  vi.useRealTimers();
  for (const client of clients) client.close();
  clients = [];
  await server.stop();
});

describe('BraidClient with @braid-live/server', () => {
  it('subscribes, receives the snapshot, then server-side patches', async () => {
    const res = newClient().resource<Doc>('/doc');
    const seen: number[] = [];
    res.subscribe(() => seen.push(res.getSnapshot()?.list.length ?? -1));
    await res.ready;
    expect(res.getSnapshot()).toEqual(initial);
    expect(res.getStatus()).toMatchObject({ state: 'live', version: ['v0'], pending: 0 });
    const version = await server.braid.patch('/doc', (d: Doc) => {
      d.list.push(4);
    });
    await waitFor(() => res.getSnapshot()?.list.length === 4);
    expect(res.getStatus().version).toEqual([version]);
    // Untouched subtrees keep their identity across updates (structural sharing).
    const before = res.getSnapshot()!.nested;
    await server.braid.patch('/doc', (d: Doc) => {
      d.title = 'changed';
    });
    await waitFor(() => res.getSnapshot()?.title === 'changed');
    expect(res.getSnapshot()!.nested).toBe(before);
  });

  it('shows a write at once, sends it, and is confirmed by its echo', async () => {
    const client = newClient({ peer: 'alice' });
    const res = client.resource<Doc>('/doc');
    res.subscribe(() => {});
    await res.ready;
    res.set((d) => {
      d.title = 'optimistic';
    });
    // Synchronously visible, pending until the server's echo.
    expect(res.getSnapshot()!.title).toBe('optimistic');
    expect(res.getStatus().pending).toBe(1);
    await waitFor(() => res.getStatus().pending === 0);
    expect(res.getStatus().version).toEqual([`alice-${client.instance}-1`]);
    expect((await server.braid.get<Doc>('/doc')).value.title).toBe('optimistic');
    const [last] = await server.braid.history('/doc', { limit: 1 });
    expect(last).toMatchObject({ version: `alice-${client.instance}-1`, parents: ['v0'], peer: 'alice' });
  });

  it('coalesces the edits made while a write is in flight into one write, composed (5 pushes: one splice)', async () => {
    const { fetch, requests } = recordingFetch();
    const res = newClient({ fetch }).resource<Doc>('/doc');
    res.subscribe(() => {});
    await res.ready;
    res.set((d) => {
      d.title = 'a';
    });
    await Promise.resolve(); // the first write takes off
    for (let i = 0; i < 5; i++)
      res.set((d) => {
        d.list.push(10 + i);
      });
    await waitFor(() => res.getStatus().pending === 0);
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts[1].headers.patches).toBeUndefined(); // one patch: sent with Content-Range
    expect(puts[1].headers['content-range']).toBe('json .list[3:3]');
    expect((await server.braid.get<Doc>('/doc')).value.list).toEqual([1, 2, 3, 10, 11, 12, 13, 14]);
  });

  it('sends a plain value as minimal patches, and a string change as a code-point splice', async () => {
    const res = newClient().resource<Doc>('/doc');
    res.subscribe(() => {});
    await res.ready;
    const doc = res.getSnapshot()!;
    res.set({ ...doc, nested: { ...doc.nested, c: { d: 2 } } });
    await waitFor(() => res.getStatus().pending === 0);
    expect((await server.braid.history('/doc', { limit: 1 }))[0].patches).toEqual([
      { range: '.nested.c.d', content: 2 },
    ]);
    res.set((d) => {
      d.text = 'hello brave 🌍 world';
    });
    await waitFor(() => res.getStatus().pending === 0);
    expect((await server.braid.history('/doc', { limit: 1 }))[0].patches).toEqual([
      { range: '.text[6:6]', content: 'brave 🌍 ' },
    ]);
  });

  it('sends a plain value that changes nearly everything as one whole-document write, when that is smaller', async () => {
    const res = newClient().resource<Doc & Record<string, unknown>>('/doc');
    res.subscribe(() => {});
    await res.ready;
    const next: Record<string, unknown> = { ...res.getSnapshot()! };
    for (let i = 0; i < 40; i++) next[`k${i}`] = i; // 40 new keys: 40 patches, bigger than the document
    res.set(next as Doc & Record<string, unknown>);
    await waitFor(() => res.getStatus().pending === 0);
    const [last] = await server.braid.history('/doc', { limit: 1 });
    expect(last.patches).toHaveLength(1);
    expect(last.patches[0].range).toBe('');
    expect((await server.braid.get('/doc')).value).toEqual(next);
  });

  it('takes a whole-document version in the stream (a revert) as a version, not a resync', async () => {
    const { fetch, subscriptions } = recordingFetch();
    const res = newClient({ fetch }).resource<Doc>('/doc');
    res.subscribe(() => {});
    await res.ready;
    await server.braid.patch('/doc', (d: Doc) => void (d.title = 'changed'));
    await waitFor(() => res.getSnapshot()!.title === 'changed');
    const version = await server.braid.revert('/doc', 'v0');
    await waitFor(() => res.getStatus().version?.[0] === version, 3000, 'the revert');
    expect(res.getSnapshot()).toEqual(initial);
    expect(subscriptions()).toHaveLength(1); // still the same subscription
  });

  it('rolls back a rejected write, keeps later edits, and reports the error', async () => {
    const errors: BraidError[] = [];
    const res = newClient({ onError: (e) => errors.push(e) }).resource<Doc>('/doc');
    const resourceErrors: BraidError[] = [];
    res.onError((e) => resourceErrors.push(e));
    res.subscribe(() => {});
    await res.ready;
    res.set((d) => {
      d.limit = 1000; // validate refuses it
    });
    await Promise.resolve(); // that write takes off; the next edit is buffered behind it
    res.set((d) => {
      d.title = 'kept';
    });
    expect(res.getSnapshot()!.limit).toBe(1000);
    await waitFor(() => res.getStatus().pending === 0);
    expect(res.getSnapshot()).toMatchObject({ limit: 5, title: 'kept' });
    expect((await server.braid.get('/doc')).value).toMatchObject({ limit: 5, title: 'kept' });
    const error = res.getStatus().error!;
    expect(error).toBeInstanceOf(BraidError);
    expect(error).toMatchObject({ kind: 'rejected', status: 422 });
    expect(error.message).toContain('limit must be at most 100');
    expect(errors).toContain(error);
    expect(resourceErrors).toContain(error);
  });

  it('gives the same Resource for the same URL and opens one subscription for many listeners', async () => {
    useFakeTimers();
    const { fetch, subscriptions } = recordingFetch();
    const client = newClient({ fetch });
    const a = client.resource<Doc>('/doc');
    expect(client.resource<Doc>(`${server.base}/doc`)).toBe(a);
    const offs = [a.subscribe(() => {}), a.subscribe(() => {}), client.resource('/doc').subscribe(() => {})];
    await a.ready;
    expect(subscriptions()).toHaveLength(1);
    // A remount within the grace period does not reconnect...
    for (const off of offs) off();
    const again = a.subscribe(() => {});
    await advance(300); // longer than the 200 ms grace period
    expect(subscriptions()).toHaveLength(1);
    expect(server.braid.stats().subscribers).toBe(1);
    // ...and after the last listener leaves for longer than it, the subscription closes.
    again();
    await waitFor(() => server.braid.stats().subscribers === 0, 3000, 'the subscription to close');
  });

  it('keeps edits made before the first snapshot and applies them once it arrives', async () => {
    const res = newClient().resource<Doc>('/doc');
    res.set((d) => {
      d.list.push(99);
    });
    expect(res.getStatus().pending).toBe(1);
    res.subscribe(() => {});
    await waitFor(() => res.getStatus().pending === 0);
    expect((await server.braid.get<Doc>('/doc')).value.list).toEqual([1, 2, 3, 99]);
  });

  it('stops with a clear error for a resource that does not exist (404), and ready rejects', async () => {
    const res = newClient().resource('/nope');
    res.subscribe(() => {});
    await expect(res.ready).rejects.toMatchObject({ kind: 'http', status: 404 });
    expect(res.getStatus()).toMatchObject({ state: 'error', error: { status: 404 } });
  });

  it('merges concurrent edits from two clients (keys, list inserts, text typed at once)', async () => {
    const a = newClient({ peer: 'a' }).resource<Doc>('/doc');
    const b = newClient({ peer: 'b' }).resource<Doc>('/doc');
    a.subscribe(() => {});
    b.subscribe(() => {});
    await Promise.all([a.ready, b.ready]);
    a.set((d) => {
      d.text = `${d.text}!`;
      d.list.unshift(0);
    });
    b.set((d) => {
      d.text = `>> ${d.text}`;
      d.list.push(4);
      d.title = 'from b';
    });
    await waitFor(() => a.getStatus().pending === 0 && b.getStatus().pending === 0);
    await waitFor(async () => isDeepStrictEqual(a.getSnapshot(), (await server.braid.get('/doc')).value));
    await waitFor(async () => isDeepStrictEqual(b.getSnapshot(), (await server.braid.get('/doc')).value));
    expect((await server.braid.get('/doc')).value).toMatchObject({
      text: '>> hello world!',
      list: [0, 1, 2, 3, 4],
      title: 'from b',
    });
  });

  it('asks for heartbeats and the server echoes them', async () => {
    useFakeTimers(); // the server's heartbeat timer and the client's silence timer both
    const { fetch, subscriptions } = recordingFetch();
    const res = newClient({ fetch, heartbeats: 1 }).resource('/doc');
    res.subscribe(() => {});
    await res.ready;
    expect(subscriptions()[0].headers.heartbeats).toBe('1s');
    // Live for longer than 1.2·1+3 s of otherwise-silent stream: heartbeats keep it up, no reconnect.
    await advance(4500);
    expect(subscriptions()).toHaveLength(1);
    expect(res.getStatus().state).toBe('live');
  });
});

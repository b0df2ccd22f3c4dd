import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SubscriptionSink } from '../src/index';
import { PresenceDocument, PresenceError } from '../src/text/presence';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

// braid.presence: ephemeral entries per peer — bounds, expiry and removal with the subscription (PresenceDocument
// with fake timers), and the HTTP face on a real server (4xx with reasons, nothing stored, streams).

/** A sink that keeps what it was sent (the fan-out's interface; the HTTP tests below use real streams). */
function collectingSink() {
  const closeListeners: (() => void)[] = [];
  const sink = {
    bytes: [] as string[],
    closed: false,
    write(b: Uint8Array) {
      sink.bytes.push(Buffer.from(b).toString('utf8'));
      return true;
    },
    writeInitial(b: Uint8Array) {
      sink.write(b);
    },
    close() {
      if (sink.closed) return;
      sink.closed = true;
      for (const listener of closeListeners) listener();
    },
    onClose(listener: () => void) {
      closeListeners.push(listener);
    },
  };
  return sink as typeof sink & SubscriptionSink;
}

const limits = { maxPeers: 2, maxEntryBytes: 64, ttlMs: 1000, maxDocuments: 10 };

describe('PresenceDocument', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('bounds peers and entry size, refusing with a typed error and changing nothing', () => {
    const doc = new PresenceDocument(limits);
    doc.set('a', { caret: 1 });
    doc.set('b', { caret: 2 });
    expect(() => doc.set('c', { caret: 3 })).toThrow(PresenceError);
    expect(() => doc.set('c', { caret: 3 })).toThrow(/2 people present/);
    expect(() => doc.set('a', { name: 'x'.repeat(100) })).toThrow(/at most 64 bytes/);
    expect(() => doc.set('a', [1, 2] as unknown as object)).toThrow(/JSON object/);
    expect(doc.snapshot()).toEqual({ a: { caret: 1 }, b: { caret: 2 } });
    doc.set('a', { caret: 5 }); // an existing peer may always update
    expect(doc.snapshot().a).toEqual({ caret: 5 });
    doc.closeAll();
  });

  it('removes an entry not refreshed within ttlMs, and tells subscribers', () => {
    vi.useFakeTimers();
    const doc = new PresenceDocument(limits);
    const sink = collectingSink();
    doc.attach(sink, undefined);
    doc.set('a', { caret: 1 });
    vi.advanceTimersByTime(600);
    doc.set('a', { caret: 2 }); // refreshed: lives 1000 ms from now
    vi.advanceTimersByTime(600);
    expect(doc.peerCount).toBe(1);
    vi.advanceTimersByTime(500);
    expect(doc.peerCount).toBe(0);
    // snapshot, a's two entries, then a's removal (an empty body on its range)
    expect(sink.bytes).toHaveLength(4);
    expect(sink.bytes[3]).toContain('Content-Range: json ["a"]');
    expect(sink.bytes[3]).toContain('Content-Length: 0\r\n');
    doc.closeAll();
  });

  it("removes a peer's entry when its last subscription ends, and is empty after", () => {
    const doc = new PresenceDocument(limits);
    let empty = 0;
    doc.whenEmpty(() => empty++);
    const first = collectingSink();
    const second = collectingSink();
    const watcher = collectingSink();
    doc.attach(first, 'a');
    doc.attach(second, 'a');
    doc.attach(watcher, 'w');
    doc.set('a', { caret: 1 });
    first.close();
    expect(doc.peerCount).toBe(1); // a still has a subscription
    second.close();
    expect(doc.peerCount).toBe(0);
    expect(watcher.bytes.at(-1)).toContain('json ["a"]');
    expect(empty).toBe(0);
    watcher.close();
    expect(empty).toBe(1);
    expect(doc.isEmpty).toBe(true);
  });

  it('sends nothing when an entry is set to what it already is', () => {
    const doc = new PresenceDocument(limits);
    const sink = collectingSink();
    doc.attach(sink, undefined);
    doc.set('a', { caret: 1 });
    doc.set('a', { caret: 1 });
    expect(sink.bytes).toHaveLength(2);
    doc.closeAll();
  });
});

describe('braid.presence over HTTP', () => {
  let server: RunningBraid | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const start = () =>
    startBraid({}, (braid) => {
      braid.presence('/presence/:doc', { maxPeers: 2, maxEntryBytes: 100, maxDocuments: 2 });
      braid.text('/docs/:doc', { initial: '' });
    });
  const put = (peer: string | undefined, body: string, path = '/presence/a') =>
    fetch(`${server!.origin}${path}`, {
      method: 'PUT',
      headers: peer === undefined ? {} : { Peer: peer, 'Content-Type': 'application/json' },
      body,
    });

  it('answers bad or excessive writes with a clear 4xx and keeps what was there', async () => {
    server = await start();
    expect((await put('p1', '{"caret":1}')).status).toBe(200);
    const noPeer = await put(undefined, '{"caret":1}');
    expect(noPeer.status).toBe(400);
    expect(await noPeer.text()).toMatch(/Peer header/);
    const notJson = await put('p1', '{caret');
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toMatch(/must be JSON/);
    const big = await put('p1', JSON.stringify({ name: 'x'.repeat(200) }));
    expect(big.status).toBe(413);
    expect((await put('p2', '{"caret":2}')).status).toBe(200);
    const third = await put('p3', '{"caret":3}');
    expect(third.status).toBe(409);
    expect(await third.text()).toMatch(/2 people present/);
    expect((await put('p1', '{"caret":1}', '/presence/b')).status).toBe(200);
    const docs = await put('p1', '{"caret":1}', '/presence/c');
    expect(docs.status).toBe(429);
    expect(await docs.text()).toMatch(/too many presence documents/);
    const read = await fetch(`${server.origin}/presence/a`);
    expect(await read.json()).toEqual({ p1: { caret: 1 }, p2: { caret: 2 } });
    expect(server.braid.stats().presenceDocuments).toBe(2);
    const deleted = await fetch(`${server.origin}/presence/a`, { method: 'DELETE', headers: { Peer: 'p1' } });
    expect(deleted.status).toBe(204);
    expect(await (await fetch(`${server.origin}/presence/a`)).json()).toEqual({ p2: { caret: 2 } });
    expect((await fetch(`${server.origin}/presence/a`, { method: 'POST' })).status).toBe(405);
  });

  it('streams entries to subscribers and removes a peer whose subscription ends', async () => {
    server = await start();
    const { TextPresence } = await import('@braid-live/core/text');
    const alice = new TextPresence<{ caret: number }>(`${server.origin}/presence/doc`, { peer: 'alice' });
    const bob = new TextPresence<{ caret: number }>(`${server.origin}/presence/doc`, { peer: 'bob' });
    alice.set({ caret: 3 });
    bob.set({ caret: 7 });
    await eventually(() => alice.peers.get('bob')?.caret === 7 && bob.peers.get('alice')?.caret === 3);
    alice.set({ caret: 4 });
    await eventually(() => bob.peers.get('alice')?.caret === 4, 5000, "bob to see alice's new caret");
    alice.close();
    await eventually(() => !bob.peers.has('alice'), 5000, 'alice to leave');
    bob.close();
    await eventually(() => server!.braid.stats().presenceDocuments === 0, 5000, 'the document to go');
    // Nothing of it was ever stored or kept as history: the store holds no presence path.
    await expect(server.braid.get('/presence/doc')).rejects.toThrow(/presence path/);
    expect(server.braid.stats().resources).toBe(0);
  });
});

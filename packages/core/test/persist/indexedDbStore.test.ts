// The outbox and confirmed-state cache in IndexedDB (fake-indexeddb: the same API, in memory), through the
// store's public functions: what a reload finds, taking over a closed tab's edits, the bounds, app versions.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { indexedDbStore } from '../../src/persist/indexedDbStore';
import { PersistError, type Replica } from '../../src/persist/types';

let n = 0;
const dbName = () => `braid-test-${process.pid}-${n++}`;
const patch = (i: number) => [{ range: `.items[${i}:${i}]`, content: [{ i }] }];
const replica = (i: number, text = ''): Replica => ({
  confirmed: { version: [`v${i}`], value: { items: [], text } },
  inflight: {
    version: `w${i}`,
    request: { parents: [`v${i}`], patches: patch(i) },
    patches: patch(i),
    count: 1,
  },
  buffer: { patches: patch(i + 1), count: 2 },
});
const nobodyAlive = () => false;

/** How many replica records the database holds (read with the raw API). */
function records(name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const count = open.result.transaction('replicas').objectStore('replicas').count();
      count.onsuccess = () => {
        open.result.close();
        resolve(count.result);
      };
    };
  });
}

describe('indexedDbStore', () => {
  it("after a reload, finds the confirmed state and takes over the closed tab's unconfirmed edits, exactly as saved", async () => {
    const name = dbName();
    const tab = indexedDbStore({ name });
    await tab.save('http://a/doc', 'tab-1', replica(1));
    await tab.save('http://a/other', 'tab-1', replica(7));
    tab.close();

    const reloaded = indexedDbStore({ name });
    const loaded = await reloaded.load('http://a/doc', 'tab-2', nobodyAlive);
    expect(loaded.confirmed).toEqual(replica(1).confirmed);
    expect(loaded.mine).toMatchObject({
      tab: 'tab-2',
      inflight: replica(1).inflight,
      buffer: replica(1).buffer,
    });
    expect(loaded.replays).toEqual([]);
    expect(await reloaded.unconfirmed()).toBe(3 + 3);
    // A third tab opening now finds nothing to take over: tab-2 has it (and is alive).
    const third = await reloaded.load('http://a/doc', 'tab-3', (t) => t === 'tab-2');
    expect(third.mine).toBeUndefined();
    expect(third.confirmed).toEqual(replica(1).confirmed);
    reloaded.close();
  });

  it("several closed tabs: the most recent becomes this tab's, the others are handed over to replay", async () => {
    const store = indexedDbStore({ name: dbName() });
    await store.save('r', 'a', replica(1));
    await new Promise((r) => setTimeout(r, 2));
    await store.save('r', 'b', replica(2));
    await store.save('r', 'live', { confirmed: { version: ['v9'], value: {} } });
    const loaded = await store.load('r', 'c', (t) => t === 'live');
    expect(loaded.mine?.inflight?.version).toBe('w2');
    expect(loaded.replays.map((r) => r.inflight?.version)).toEqual(['w1']);
    expect(loaded.replays[0].tab).toMatch(/^c~/);
    await store.forget('r', loaded.replays[0].tab);
    const later = await store.load('r', 'd', (t) => t === 'live' || t === 'c');
    expect(later.mine).toBeUndefined();
    expect(later.replays).toEqual([]);
    expect(await store.unconfirmed()).toBe(3);
    store.close();
  });

  it("forgets closed tabs' cache-only replicas but the newest, so records do not pile up per page load", async () => {
    const name = dbName();
    const store = indexedDbStore({ name, maxCacheBytes: 10_000 });
    for (let i = 0; i < 5; i++) {
      await store.save('r', `closed-${i}`, { confirmed: { version: [`v${i}`], value: { i } } });
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await store.load('r', 'new', nobodyAlive)).confirmed?.version).toEqual(['v4']);
    await store.save('r', 'new', { confirmed: { version: ['v5'], value: { i: 5 } } });
    expect(await records(name)).toBe(2); // the newest closed one and this tab's own
    expect((await store.load('r', 'newer', (t) => t === 'new')).confirmed?.version).toEqual(['v5']);
    expect(await records(name)).toBe(1);
    store.close();
  });

  it('an empty replica (everything confirmed, nothing cached) deletes the record', async () => {
    const store = indexedDbStore({ name: dbName() });
    await store.save('r', 'a', replica(1));
    await store.save('r', 'a', {});
    expect(await store.load('r', 'b', nobodyAlive)).toEqual({ replays: [], stale: [] });
    expect(await store.unconfirmed()).toBe(0);
    store.close();
  });

  it('refuses growth past the outbox bound with outbox-full, changes nothing, and always lets it shrink', async () => {
    const store = indexedDbStore({ name: dbName(), maxOutboxBytes: 400 });
    const big = (id: string): Replica => ({
      inflight: { version: id, patches: [{ range: '.s', content: 'x'.repeat(120) }], count: 1 },
    });
    await store.save('r', 'a', big('1'));
    await store.save('q', 'a', big('2'));
    const refused = await store.save('p', 'a', big('3')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PersistError);
    expect((refused as PersistError).code).toBe('outbox-full');
    expect((await store.load('p', 'a', nobodyAlive)).mine).toBeUndefined();
    expect((await store.load('r', 'a', nobodyAlive)).mine).toBeDefined(); // nothing else changed

    await store.save('r', 'a', {}); // confirmed: room again
    await store.save('p', 'a', big('3'));
    expect((await store.load('p', 'a', nobodyAlive)).mine?.inflight?.version).toBe('3');
    store.close();
  });

  it('drops the least recently saved confirmed states past the cache bound, never an outbox part', async () => {
    const store = indexedDbStore({ name: dbName(), maxCacheBytes: 300 });
    const cached = (i: number): Replica => ({
      confirmed: { version: [`v${i}`], value: { t: String(i).repeat(90) } },
    });
    await store.save('r0', 'a', { ...cached(0), buffer: { patches: patch(0), count: 1 } });
    for (let i = 1; i < 4; i++) await store.save(`r${i}`, 'a', cached(i));
    const versions = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await store.load(`r${i}`, 'a', nobodyAlive)).confirmed?.version),
    );
    expect(versions).toEqual([undefined, undefined, ['v2'], ['v3']]);
    expect((await store.load('r0', 'a', nobodyAlive)).mine?.buffer).toEqual({ patches: patch(0), count: 1 });
    await expect(
      store.save('huge', 'a', { confirmed: { version: ['v'], value: 'x'.repeat(1000) } }),
    ).rejects.toMatchObject({
      code: 'state-too-large',
    });
    store.close();
  });

  it('hands edits of another app version back as stale, once, instead of replaying them', async () => {
    const name = dbName();
    const v1 = indexedDbStore({ name, appVersion: '1' });
    await v1.save('r', 'a', replica(1));
    v1.close();

    const v2 = indexedDbStore({ name, appVersion: '2' });
    const loaded = await v2.load('r', 'b', nobodyAlive);
    expect(loaded.mine).toBeUndefined();
    expect(loaded.confirmed).toBeUndefined();
    expect(loaded.stale.map((r) => r.inflight?.version)).toEqual(['w1']);
    expect((await v2.load('r', 'b', nobodyAlive)).stale).toEqual([]); // reported once
    expect(await v2.unconfirmed()).toBe(0);
    v2.close();
  });
});

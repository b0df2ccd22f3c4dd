// The outbox and confirmed-state cache in IndexedDB (fake-indexeddb: the same API, in memory), through the
// store's public functions: what a reload finds, the bounds, and entries of another app version.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { indexedDbStore } from '../../src/persist/indexedDbStore';
import { PersistError } from '../../src/persist/types';

let n = 0;
const dbName = () => `braid-test-${process.pid}-${n++}`;
const patch = (i: number) => [{ range: `.items[${i}:${i}]`, content: JSON.stringify([{ i }]) }];

describe('indexedDbStore', () => {
  it('keeps writes until they are confirmed, in the order they were made, across a reopen (a reload)', async () => {
    const name = dbName();
    const tab = indexedDbStore({ name });
    for (let i = 0; i < 3; i++) {
      await tab.putWrite({
        resource: 'http://a/doc',
        version: `p-${i}`,
        parents: [`s-${i}`],
        patches: patch(i),
        count: 1,
      });
    }
    await tab.putWrite({
      resource: 'http://a/other',
      version: 'q-0',
      parents: [],
      patches: patch(9),
      count: 2,
    });
    await tab.deleteWrite('http://a/doc', 'p-1');
    tab.close();

    const reloaded = indexedDbStore({ name });
    const left = await reloaded.leftovers('http://a/doc');
    expect(left.writes.map((w) => [w.version, w.parents, w.patches])).toEqual([
      ['p-0', ['s-0'], patch(0)],
      ['p-2', ['s-2'], patch(2)],
    ]);
    expect(await reloaded.unconfirmed()).toBe(2 + 2);
    reloaded.close();
  });

  it('a renamed write keeps its place; unsent edits are replaced as they grow and cleared when empty', async () => {
    const store = indexedDbStore({ name: dbName() });
    await store.putWrite({ resource: 'r', version: 'a', parents: [], patches: patch(0), count: 1 });
    await store.putWrite({ resource: 'r', version: 'b', parents: [], patches: patch(1), count: 1 });
    await store.replaceWrite('r', 'a', {
      resource: 'r',
      version: 'a2',
      parents: ['x'],
      patches: patch(0),
      count: 1,
    });
    await store.putEdits('r', patch(5), 1);
    await store.putEdits('r', [...patch(5), ...patch(6)], 2);
    let left = await store.leftovers('r');
    expect(left.writes.map((w) => w.version)).toEqual(['a2', 'b']);
    expect(left.edits).toMatchObject({ patches: [...patch(5), ...patch(6)], count: 2 });
    await store.putEdits('r', [], 0);
    left = await store.leftovers('r');
    expect(left.edits).toBeUndefined();
    store.close();
  });

  it('refuses a write past the outbox bound with outbox-full, changes nothing, and has room again once confirmed', async () => {
    const store = indexedDbStore({ name: dbName(), maxOutboxBytes: 300 });
    const big = [{ range: '.s', content: JSON.stringify('x'.repeat(100)) }];
    await store.putWrite({ resource: 'r', version: 'a', parents: [], patches: big, count: 1 });
    await store.putWrite({ resource: 'r', version: 'b', parents: [], patches: big, count: 1 });
    const refused = await store
      .putWrite({ resource: 'r', version: 'c', parents: [], patches: big, count: 1 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PersistError);
    expect((refused as PersistError).code).toBe('outbox-full');
    await expect(store.putEdits('r', big, 1)).rejects.toMatchObject({ code: 'outbox-full' });
    expect((await store.leftovers('r')).writes.map((w) => w.version)).toEqual(['a', 'b']);

    await store.deleteWrite('r', 'a');
    await store.putWrite({ resource: 'r', version: 'c', parents: [], patches: big, count: 1 });
    expect((await store.leftovers('r')).writes.map((w) => w.version)).toEqual(['b', 'c']);
    store.close();
  });

  it('evicts the least recently saved confirmed states past the cache bound, never the outbox', async () => {
    const store = indexedDbStore({ name: dbName(), maxCacheBytes: 250 });
    const value = (i: number) => ({ text: String(i).repeat(90) });
    await store.putWrite({ resource: 'r0', version: 'w', parents: [], patches: patch(0), count: 1 });
    for (let i = 0; i < 4; i++) await store.putState(`r${i}`, [`v${i}`], value(i));
    const states = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await store.leftovers(`r${i}`)).state?.version),
    );
    expect(states).toEqual([undefined, undefined, ['v2'], ['v3']]);
    expect((await store.leftovers('r0')).writes).toHaveLength(1);
    await expect(store.putState('huge', ['v'], { s: 'x'.repeat(1000) })).rejects.toMatchObject({
      code: 'state-too-large',
    });
    store.close();
  });

  it('hands entries of another app version back as stale, once, instead of replaying them', async () => {
    const name = dbName();
    const v1 = indexedDbStore({ name, appVersion: '1' });
    await v1.putWrite({ resource: 'r', version: 'old', parents: [], patches: patch(0), count: 1 });
    await v1.putEdits('r', patch(1), 1);
    await v1.putState('r', ['s'], { items: [] });
    v1.close();

    const v2 = indexedDbStore({ name, appVersion: '2' });
    const left = await v2.leftovers('r');
    expect(left.writes).toEqual([]);
    expect(left.edits).toBeUndefined();
    expect(left.state).toBeUndefined();
    expect(left.stale.writes.map((w) => w.version)).toEqual(['old']);
    expect(left.stale.edits?.patches).toEqual(patch(1));
    expect((await v2.leftovers('r')).stale.writes).toEqual([]); // reported once
    expect(await v2.unconfirmed()).toBe(0);
    v2.close();
  });

  it('two tabs share one outbox', async () => {
    const name = dbName();
    const a = indexedDbStore({ name });
    const b = indexedDbStore({ name });
    await a.putWrite({ resource: 'r', version: 'from-a', parents: [], patches: patch(0), count: 1 });
    await b.putEdits('r', patch(1), 3);
    expect(await a.unconfirmed()).toBe(4);
    expect((await b.leftovers('r')).writes.map((w) => w.version)).toEqual(['from-a']);
    a.close();
    b.close();
  });
});

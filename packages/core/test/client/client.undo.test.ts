// Undo/redo of this client's own edits, against a real @braid-live/server on 127.0.0.1 with a second client
// editing at the same time: an undo is a new write (the inverse, transformed over what changed since), other
// people's edits survive it, redo restores, a new edit clears redo.
import { memoryStore } from '@braid-live/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { startServer, type TestServer, waitFor } from './harness';

interface Doc {
  title: string;
  body: string;
  tags: string[];
}

let server: TestServer;
const clients: BraidClient[] = [];
beforeEach(async () => {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) =>
      braid.resource('/doc', { initial: { title: 'draft', body: '', tags: ['a'] }, initialVersion: 'v0' }),
  }));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.stop();
});

async function open(peer: string) {
  const client = new BraidClient({ baseUrl: server.base, peer });
  clients.push(client);
  const res = client.resource<Doc>('/doc');
  res.subscribe(() => {});
  await res.ready;
  return res;
}
const onServer = async () => (await server.braid.get<Doc>('/doc')).value;

describe('undo and redo', () => {
  it('undoes only its own edit: a concurrent remote edit survives the undo, and redo restores', async () => {
    const [mine, theirs] = [await open('me'), await open('them')];
    expect(mine.getStatus()).toMatchObject({ canUndo: false, canRedo: false });
    await mine.set((d) => void (d.title = 'mine'));
    expect(mine.getStatus().canUndo).toBe(true);
    await theirs.set((d) => {
      d.body = 'theirs';
      d.tags.unshift('z'); // shifts the index of what I add next
    });
    await waitFor(() => mine.getSnapshot()!.body === 'theirs', 5000, 'their edit');

    await mine.undo();
    expect(await onServer()).toEqual({ title: 'draft', body: 'theirs', tags: ['z', 'a'] });
    expect(mine.getStatus()).toMatchObject({ canUndo: false, canRedo: true, pending: 0 });
    await waitFor(() => theirs.getSnapshot()!.title === 'draft', 5000, 'the undo reaching them');

    await mine.redo();
    expect(await onServer()).toEqual({ title: 'mine', body: 'theirs', tags: ['z', 'a'] });
    expect(mine.getStatus()).toMatchObject({ canUndo: true, canRedo: false });
  });

  it('an undo is transformed over what others inserted since: it removes my item, not theirs', async () => {
    const [mine, theirs] = [await open('me'), await open('them')];
    await mine.set((d) => void d.tags.push('mine'));
    await theirs.set((d) => void d.tags.unshift('t1', 't2'));
    await waitFor(() => mine.getSnapshot()!.tags.length === 4, 5000, 'their insert');
    await mine.undo();
    expect((await onServer()).tags).toEqual(['t1', 't2', 'a']);
    await mine.redo();
    expect((await onServer()).tags).toEqual(['t1', 't2', 'a', 'mine']);
  });

  it('where someone else changed the same place since, their change stays (it is not mine to undo)', async () => {
    const [mine, theirs] = [await open('me'), await open('them')];
    await mine.set((d) => void (d.title = 'mine'));
    await waitFor(() => theirs.getSnapshot()!.title === 'mine', 5000, 'my edit reaching them');
    await theirs.set((d) => void (d.title = 'theirs'));
    await waitFor(() => mine.getSnapshot()!.title === 'theirs', 5000, 'their overwrite');
    await mine.undo();
    expect((await onServer()).title).toBe('theirs');
    expect(mine.getStatus().canUndo).toBe(false);
  });

  it('steps back one set() at a time; a new edit clears redo', async () => {
    const mine = await open('me');
    await mine.set((d) => void (d.title = 'one'));
    await mine.set((d) => void (d.title = 'two'));
    await mine.undo();
    expect(mine.getSnapshot()!.title).toBe('one');
    await mine.undo();
    expect(mine.getSnapshot()!.title).toBe('draft');
    expect(mine.getStatus()).toMatchObject({ canUndo: false, canRedo: true });
    await mine.redo();
    expect(mine.getSnapshot()!.title).toBe('one');
    await mine.set((d) => void (d.body = 'new'));
    expect(mine.getStatus()).toMatchObject({ canUndo: true, canRedo: false });
    expect(await onServer()).toEqual({ title: 'one', body: 'new', tags: ['a'] });
    await expect(mine.redo()).resolves.toBeUndefined(); // nothing to redo: resolves, changes nothing
    expect(mine.getSnapshot()!.title).toBe('one');
  });
});

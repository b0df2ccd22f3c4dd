import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore, memoryStore } from '../src/index';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, startBraid } from './helpers/server';

// Everything the server holds for resources has a bound: the bytes of loaded resources (idle ones are
// dropped, then loading more is refused with 503 + Retry-After), the resources a pattern may create (403),
// and the log files open in the file store (300 pattern paths do not hold 300 descriptors).

const running: RunningBraid[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(...args: Parameters<typeof startBraid>) {
  const server = await startBraid(...args);
  running.push(server);
  return server;
}

function put(server: RunningBraid, path: string, value: unknown) {
  return fetch(`${server.origin}${path}`, { method: 'PUT', body: JSON.stringify(value) });
}

async function get(server: RunningBraid, path: string) {
  const res = await fetch(`${server.origin}${path}`);
  return { status: res.status, body: await res.json() };
}

const KB = 1024;

describe('maxResidentBytes', () => {
  it('drops idle resources past the budget and reloads them from the store, unchanged', async () => {
    const server = await start({ store: memoryStore(), limits: { maxResidentBytes: 300 * KB } }, (braid) =>
      braid.resource('/docs/:id', { initial: {} }),
    );
    for (let i = 0; i < 20; i++) {
      expect((await put(server, `/docs/${i}`, { id: i, text: String(i % 10).repeat(30 * KB) })).status).toBe(
        200,
      );
      // One resource may take the total past the budget while it is written; never more.
      expect(server.braid.stats().residentBytes).toBeLessThan(300 * KB + 150 * KB);
    }
    expect(server.braid.stats().resources).toBeLessThan(20);
    for (let i = 0; i < 20; i++) {
      const { status, body } = await get(server, `/docs/${i}`);
      expect(status).toBe(200);
      expect(body).toStrictEqual({ id: i, text: String(i % 10).repeat(30 * KB) });
    }
  });

  it('refuses to load more with 503 + Retry-After while nothing is idle, and serves again once something is', async () => {
    const server = await start({ limits: { maxResidentBytes: 100 * KB } }, (braid) =>
      braid.resource('/docs/:id', { initial: { text: 'x'.repeat(40 * KB) } }),
    );
    // Subscribed resources are in use: they are never dropped.
    const subscribers: RawSubscriber[] = [];
    for (let i = 0; subscribers.length < 10; i++) {
      const res = await fetch(`${server.origin}/docs/${i}`);
      if (res.status === 503) break;
      subscribers.push(await RawSubscriber.open(server.port, `/docs/${i}`));
    }
    try {
      expect(subscribers.length).toBeGreaterThan(0);
      expect(subscribers.length).toBeLessThan(10);
      const refused = await fetch(`${server.origin}/docs/new`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.text()).toMatch(/memory budget/);
      // The loaded ones are still served.
      expect((await get(server, '/docs/0')).status).toBe(200);
    } finally {
      for (const subscriber of subscribers) subscriber.close();
    }
    await waitFor(async () => (await fetch(`${server.origin}/docs/new`)).status === 200);
  });
});

describe('resources per pattern', () => {
  it('answers 403 to the first write of one path more than maxResources, and keeps serving the others', async () => {
    const server = await start({}, (braid) =>
      braid
        .resource('/notes/:id', { initial: { text: '' }, maxResources: 3 })
        .resource('/other/:id', { initial: { text: '' } }),
    );
    for (const id of ['a', 'b', 'c'])
      expect((await put(server, `/notes/${id}`, { text: id })).status).toBe(200);
    const refused = await put(server, '/notes/d', { text: 'd' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/\/notes\/:id may create at most 3 resources/);
    // Nothing was created…
    expect((await get(server, '/notes/d')).body).toStrictEqual({ text: '' });
    // …writes to the existing ones work, reads of any path work, and other patterns have their own count.
    expect((await put(server, '/notes/a', { text: 'a2' })).status).toBe(200);
    expect((await get(server, '/notes/zz')).status).toBe(200);
    expect((await put(server, '/other/d', { text: 'd' })).status).toBe(200);
    expect((await put(server, '/notes/d', { text: 'd' })).status).toBe(403);
  });

  it('counts resources that already exist in the store once they load again after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'braid-pattern-quota-'));
    dirs.push(dir);
    const define = (braid: RunningBraid['braid']) =>
      braid.resource('/notes/:id', { initial: {}, maxResources: 2 });
    const first = await start({ store: fileStore(dir, { fsync: false }) }, define);
    for (const id of ['a', 'b']) expect((await put(first, `/notes/${id}`, { id })).status).toBe(200);
    await first.stop();
    const second = await start({ store: fileStore(dir, { fsync: false }) }, define);
    expect((await get(second, '/notes/a')).body).toStrictEqual({ id: 'a' });
    expect((await get(second, '/notes/b')).body).toStrictEqual({ id: 'b' });
    expect((await put(second, '/notes/c', { id: 'c' })).status).toBe(403);
    expect((await put(second, '/notes/a', { id: 'a2' })).status).toBe(200);
  });
});

describe('open store files', () => {
  it('holds a bounded number of descriptors for 300 pattern paths, and every path reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'braid-open-files-'));
    dirs.push(dir);
    const store = fileStore(dir, { fsync: false, maxOpenFiles: 16 });
    const server = await start({ store, limits: { maxLoadedResources: 10 } }, (braid) =>
      braid.resource('/items/:id', { initial: {} }),
    );
    for (let i = 0; i < 300; i++) expect((await put(server, `/items/${i}`, { i })).status).toBe(200);
    expect(await descriptorsUnder(store.dir)).toBeLessThanOrEqual(16);
    expect(server.braid.stats().resources).toBeLessThanOrEqual(10);
    for (let i = 0; i < 300; i += 7) expect((await get(server, `/items/${i}`)).body).toStrictEqual({ i });
    expect(await descriptorsUnder(store.dir)).toBeLessThanOrEqual(16);
  });
});

/** Open file descriptors of this process on files inside `dir` (Linux: /proc/self/fd). */
async function descriptorsUnder(dir: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(`${dir}/`)) count++;
  }
  return count;
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met');
}

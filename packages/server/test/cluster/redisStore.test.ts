import { BraidClient } from '@braid-live/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionTakenError } from '../../src/cluster/sharedLog';
import { type RedisStore, redisStore } from '../../src/redis';
import { rawRequest, request } from '../helpers/rawHttp';
import { RawSubscriber } from '../helpers/rawSubscriber';
import { RedisServer } from '../helpers/redisServer';
import { eventually, type RunningBraid, startBraid } from '../helpers/server';
import { TcpProxy } from '../helpers/tcpProxy';

// Server nodes in this process, each with its own redisStore (its own two connections), on one real
// redis-server. Each test uses its own key prefix, so tests do not see each other's resources.

const redis = new RedisServer();
const running: RunningBraid[] = [];
let admin: Redis;

interface Node extends RunningBraid {
  store: RedisStore;
}

async function startNode(prefix: string, url = redis.url, limits = {}): Promise<Node> {
  const store = redisStore({ url, keyPrefix: prefix, onError: () => {} });
  const node = await startBraid({ store, limits }, (braid) =>
    braid.resource('/doc', { initial: { items: [] as string[] } }).resource('/t/:id', { initial: { n: 0 } }),
  );
  running.push(node);
  return { ...node, store };
}

const put = (port: number, path: string, version: string, range: string, content: unknown, extra = {}) =>
  rawRequest(
    port,
    request(
      'PUT',
      path,
      { Version: JSON.stringify(version), 'Content-Range': `json ${range}`, ...extra },
      JSON.stringify(content),
    ),
    // Generous: each append waits for Redis's fsync, and the shared machine can be very busy (not a timing check).
    20_000,
  );
const getValue = async (port: number, path: string) => {
  const res = await rawRequest(port, request('GET', path));
  return res.status === 200 ? JSON.parse(res.text) : res.status;
};

beforeAll(async () => {
  await redis.start();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  for (const node of running) await node.stop();
  admin.disconnect();
  await redis.destroy();
});

describe('redisStore: nodes sharing one log', () => {
  it('a write on one node reaches a subscriber on the other; a retry on the other node is a duplicate', async () => {
    const [a, b] = [await startNode('t1:'), await startNode('t1:')];
    const sub = await RawSubscriber.open(b.port, '/doc');
    expect(sub.status).toBe(209);
    expect((await put(a.port, '/doc', 'w1', '.items[0:0]', ['x'])).status).toBe(200);
    await sub.waitForVersion('w1');
    expect(sub.value).toEqual({ items: ['x'] });
    expect(await getValue(b.port, '/doc')).toEqual({ items: ['x'] });
    // The same write again, through the other node: answered 200, applied once.
    expect((await put(b.port, '/doc', 'w1', '.items[0:0]', ['x'])).status).toBe(200);
    expect((await put(b.port, '/doc', 'w2', '.items[-0:-0]', ['y'])).status).toBe(200);
    await sub.waitForVersion('w2');
    expect(await getValue(a.port, '/doc')).toEqual({ items: ['x', 'y'] });
    sub.close();
  });

  it('the append script refuses a Version already in the log, with the digest of the write that took it', async () => {
    const store = redisStore({ url: redis.url, keyPrefix: 't2:', onError: () => {} });
    await store.load('/x');
    const record = { version: 'v1', parents: [], patches: [{ range: '.a', content: 1 }], time: 1 };
    expect(await store.shared.appendAt('/x', 0, record, 'digest-1')).toEqual({ seq: 1 });
    const retry = store.shared.appendAt('/x', 1, record, 'digest-1');
    await expect(retry).rejects.toBeInstanceOf(VersionTakenError);
    await expect(retry).rejects.toMatchObject({ digest: 'digest-1' });
    // A stale base position is refused too, and brings back what it missed.
    const stale = store.shared.appendAt('/x', 0, { ...record, version: 'v2' }, 'digest-2');
    await expect(stale).rejects.toMatchObject({ name: 'HeadMovedError', missed: [{ seq: 1, record }] });
    await store.close();
  });

  it('concurrent writes on two nodes with stale Parents: both are transformed, one order, equal everywhere', async () => {
    const [a, b] = [await startNode('t3:'), await startNode('t3:')];
    const seed = await put(a.port, '/doc', 's0', '', { items: ['a', 'b', 'c'] });
    expect(seed.status).toBe(200);
    await eventually(async () => JSON.stringify(await getValue(b.port, '/doc')).includes('"c"'));
    const writes = [];
    for (let i = 0; i < 10; i++) {
      writes.push(put(a.port, '/doc', `a${i}`, '.items[1:1]', [`A${i}`], { Parents: '"s0"' }));
      writes.push(put(b.port, '/doc', `b${i}`, '.items[2:2]', [`B${i}`], { Parents: '"s0"' }));
    }
    for (const res of await Promise.all(writes)) expect(res.status).toBe(200);
    const value = await eventually(async () => {
      const [va, vb] = [await getValue(a.port, '/doc'), await getValue(b.port, '/doc')];
      return va.items.length === 23 && JSON.stringify(va) === JSON.stringify(vb) && va;
    });
    // Every insert kept its place relative to the seed items.
    expect(value.items.filter((x: string) => x.length === 1)).toEqual(['a', 'b', 'c']);
    expect(value.items.indexOf('b')).toBeGreaterThan(
      Math.max(...value.items.filter((x: string) => x[0] === 'A').map((x: string) => value.items.indexOf(x))),
    );
    expect(value.items.indexOf('b')).toBeLessThan(
      Math.min(...value.items.filter((x: string) => x[0] === 'B').map((x: string) => value.items.indexOf(x))),
    );
  });

  it('braid.patch, history, revert and multiplexed subscriptions work the same on every node', async () => {
    const [a, b] = [await startNode('t4:'), await startNode('t4:')];
    const first = await a.braid.patch<{ items: string[] }>('/doc', (d) => {
      d.items.push('one');
    });
    await eventually(async () => (await b.braid.get('/doc')).version[0] === first);
    await b.braid.patch<{ items: string[] }>('/doc', (d) => {
      d.items.push('two');
    });
    await eventually(async () => (await a.braid.history('/doc')).length === 2);
    const history = await a.braid.history('/doc');
    expect(history.map((h) => h.peer)).toEqual(['server', 'server']);
    expect(history[1].version).toBe(first);
    // Revert on one node: the other has the older value.
    const reverted = await b.braid.revert('/doc', first);
    await eventually(async () => (await a.braid.get('/doc')).version[0] === reverted);
    expect((await a.braid.get('/doc')).value).toEqual({ items: ['one'] });

    // Two resources through one multiplexed stream on node b, written on node a.
    const client = new BraidClient({ baseUrl: b.origin, multiplex: true });
    const [t1, t2] = [client.resource<{ n: number }>('/t/1'), client.resource<{ n: number }>('/t/2')];
    const stops = [t1.subscribe(() => {}), t2.subscribe(() => {})];
    await Promise.all([t1.ready, t2.ready]);
    await a.braid.patch<{ n: number }>('/t/1', (d) => {
      d.n = 1;
    });
    await a.braid.patch<{ n: number }>('/t/2', (d) => {
      d.n = 2;
    });
    await eventually(() => t1.getSnapshot()?.n === 1 && t2.getSnapshot()?.n === 2);
    expect(b.braid.stats().multiplexers).toBe(1);
    for (const stop of stops) stop();
    client.close();
  });

  it('snapshot + XTRIM bound the stream; a new node loads from the snapshot; a resume from a trimmed version gets a snapshot', async () => {
    const limits = { maxHistory: 5, compactAfterBytes: 300 };
    const a = await startNode('t5:', redis.url, limits);
    for (let i = 0; i < 40; i++)
      expect((await put(a.port, '/doc', `c${i}`, '.items[-0:-0]', [i])).status).toBe(200);
    await a.braid.patch('/doc', () => {}); // (compaction runs in the write queue, after the write that made it due)
    const length = await admin.xlen('t5:{/doc}:log');
    expect(length).toBeLessThan(15);
    expect(Number(await admin.hget('t5:{/doc}:snapshot', 'seq'))).toBeGreaterThan(25);

    const c = await startNode('t5:', redis.url, limits);
    const all = Array.from({ length: 40 }, (_, i) => i);
    expect(await getValue(c.port, '/doc')).toEqual({ items: all });
    const old = await RawSubscriber.open(c.port, '/doc', { Parents: '"c3"' });
    await old.waitForUpdates(1);
    expect(old.updates[0].body).toBeDefined(); // a snapshot: c3 was trimmed away
    expect(old.value).toEqual({ items: all });
    const recent = await RawSubscriber.open(c.port, '/doc', { Parents: '"c38"' });
    await recent.waitForUpdates(1);
    expect(recent.updates[0].version).toEqual(['c39']); // only what it missed
    old.close();
    recent.close();
  });

  it('a node that loses Redis stops acknowledging writes (503 + Retry-After), ends its subscriptions, and catches up after', async () => {
    const proxy = await new TcpProxy(redis.port).start();
    const a = await startNode('t6:');
    const b = await startNode('t6:', proxy.url);
    const sub = await RawSubscriber.open(b.port, '/doc');
    expect(sub.status).toBe(209);
    expect((await put(a.port, '/doc', 'p1', '.items[-0:-0]', ['before'])).status).toBe(200);
    await sub.waitForVersion('p1');

    await proxy.cut();
    await eventually(() => sub.closed, 5_000, 'the subscription on the cut-off node to end');
    const refused = await put(b.port, '/doc', 'p2', '.items[-0:-0]', ['cut']);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await rawRequest(b.port, request('GET', '/doc'))).status).toBe(503);
    const again = await rawRequest(b.port, request('GET', '/doc', { Subscribe: 'true' }));
    expect(again.status).toBe(503);
    expect((await put(a.port, '/doc', 'p3', '.items[-0:-0]', ['during'])).status).toBe(200);

    await proxy.restore();
    await eventually(
      async () => JSON.stringify(await getValue(b.port, '/doc')) === '{"items":["before","during"]}',
      10_000,
      'the node to catch up',
    );
    expect((await put(b.port, '/doc', 'p2', '.items[-0:-0]', ['cut'])).status).toBe(200);
    expect(await getValue(a.port, '/doc')).toEqual({ items: ['before', 'during', 'cut'] });
    await proxy.cut();
  });

  it('a node follows only the resources in its memory: evicted ones stop being read and reload fresh', async () => {
    const a = await startNode('t7:', redis.url, { maxLoadedResources: 2 });
    const b = await startNode('t7:');
    for (const id of [1, 2, 3, 4]) expect(await getValue(a.port, `/t/${id}`)).toEqual({ n: 0 });
    expect(a.store.stats().followedStreams).toBeLessThanOrEqual(2);
    await b.braid.patch<{ n: number }>('/t/1', (d) => {
      d.n = 7;
    });
    expect(await getValue(a.port, '/t/1')).toEqual({ n: 7 });
    expect(a.store.stats().followedStreams).toBeLessThanOrEqual(2);
  });
});

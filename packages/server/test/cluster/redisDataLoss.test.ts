import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStore, redisStore } from '../../src/redis';
import { rawRequest, request } from '../helpers/rawHttp';
import { RawSubscriber } from '../helpers/rawSubscriber';
import { eventually, type RunningBraid, startBraid } from '../helpers/server';
import { VolatileRedis } from './volatileRedis';

// Redis loses data (here: restarted without persistence; in production also a failover to a replica that
// missed writes). Nodes that held the resource must not go on serving their stale copy while every status says
// fine: they drop it, end its subscriptions, refuse writes based on it (503, never a 200), and serve what Redis
// has now, the same value on every node, old and new.

interface Doc {
  items: string[];
}

const redis = new VolatileRedis();
const nodes: (RunningBraid & { store: RedisStore })[] = [];
const errors: string[] = [];

async function startNode(): Promise<RunningBraid & { store: RedisStore }> {
  const store = redisStore({
    url: redis.url,
    lossCheckMs: 200,
    onError: (error) => errors.push(String(error)),
  });
  const node = await startBraid({ store }, (braid) => braid.resource('/doc', { initial: { items: [] } }));
  nodes.push({ ...node, store });
  return { ...node, store };
}

const put = (port: number, version: string, item: string) =>
  rawRequest(
    port,
    request(
      'PUT',
      '/doc',
      { Version: JSON.stringify(version), 'Content-Range': 'json .items[-0:-0]' },
      JSON.stringify([item]),
    ),
    20_000,
  );

async function value(port: number): Promise<{ status: number; version?: string; doc?: Doc }> {
  // A node still reconnecting may take a while on a loaded machine: no answer counts as "not yet".
  const res = await rawRequest(port, request('GET', '/doc'), 20_000).catch(() => undefined);
  if (!res) return { status: 0 };
  return res.status === 200
    ? { status: 200, version: res.headers.version, doc: JSON.parse(res.text) }
    : { status: res.status };
}

beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  // Redis first: stopping a node never waits on it then, and no redis-server outlives the file.
  await redis.destroy();
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('redisStore: Redis loses data', () => {
  it('nodes that held the resource drop it, end its subscriptions, never acknowledge on it, and agree with Redis', async () => {
    const [a, b] = [await startNode(), await startNode()];
    for (const [i, item] of ['one', 'two', 'three'].entries())
      expect((await put(a.port, `v${i}`, item)).status).toBe(200);
    await eventually(async () => (await value(b.port)).doc?.items.length === 3);
    const subscriber = await RawSubscriber.open(b.port, '/doc');
    expect(subscriber.status).toBe(209);

    await redis.restartEmpty();

    // The subscription on the node that held the old log ends (the client reconnects and resnapshots).
    await eventually(() => subscriber.closed, 30_000, 'the subscription to end');
    // Once the nodes are back, neither serves the lost versions: both answer what Redis has (nothing: the
    // initial value), even before anyone writes.
    await eventually(
      async () => {
        const [va, vb] = await Promise.all([value(a.port), value(b.port)]);
        return (
          va.status === 200 && vb.status === 200 && va.doc?.items.length === 0 && vb.doc?.items.length === 0
        );
      },
      30_000,
      'both nodes to serve what Redis has now',
    );
    expect(errors.some((e) => /SharedLogDataLossError|lost data/.test(e))).toBe(true);

    // Writes go on, on the new log: acknowledged ones are in it and seen by both nodes and a new node alike.
    expect((await put(b.port, 'after-1', 'four')).status).toBe(200);
    expect((await put(a.port, 'after-2', 'five')).status).toBe(200);
    const c = await startNode();
    await eventually(
      async () => {
        const all = await Promise.all([a, b, c].map((node) => value(node.port)));
        return (
          all.every((v) => JSON.stringify(v) === JSON.stringify(all[0])) &&
          all[0].doc?.items.join() === 'four,five'
        );
      },
      30_000,
      'every node to hold the new log',
    );
    subscriber.close();
  });

  it('a node that held the lost log: its first answer after the loss is the new log, never the lost one', async () => {
    const d = await startNode();
    expect((await put(d.port, 'd-1', 'x')).status).toBe(200);
    const before = await value(d.port);
    expect(before.doc?.items).toContain('x');
    await redis.restartEmpty();
    // Until the node has checked its resources against Redis it answers 503; its first 200 is what Redis has.
    const first = await eventually(
      async () => {
        const v = await value(d.port);
        return v.status === 200 ? v : undefined;
      },
      30_000,
      'the node to serve again',
    );
    expect(first!.doc?.items).toEqual([]);
    // A write is acknowledged on the new log only: the lost 'x' is not silently kept on this node.
    await eventually(
      async () => (await put(d.port, 'd-2', 'y')).status === 200,
      30_000,
      'a write on the new log',
    );
    const after = await value(d.port);
    expect(after.doc?.items).toEqual(['y']);
    expect(after.version).not.toBe(before.version);
  });

  it('data lost without a reconnect (FLUSHALL): the next append is refused 503 and resets; other nodes follow the new log', async () => {
    const [e, f] = [await startNode(), await startNode()];
    await eventually(async () => (await put(e.port, 'e-1', 'old')).status === 200, 30_000, 'a first write');
    await eventually(async () => (await value(f.port)).doc?.items.includes('old'), 30_000, 'f to see it');
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    // The append finds no epoch: refused (nothing written), with Retry-After; the node dropped its copy.
    const refused = await put(e.port, 'e-2', 'new');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toMatch(/lost data/);
    // The retry runs on the new log; the other node sees entries of another epoch and resets too.
    expect((await put(e.port, 'e-2', 'new')).status).toBe(200);
    await eventually(
      async () => {
        const [ve, vf] = await Promise.all([value(e.port), value(f.port)]);
        return ve.doc?.items.join() === 'new' && JSON.stringify(vf) === JSON.stringify(ve);
      },
      30_000,
      'both nodes on the new log alone',
    );
  });
});

import { BraidClient } from '@braid-live/core';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStore, redisStore } from '../../src/redis';
import { hashSlot } from '../../src/store/redis/hashSlot';
import { resourceKeys } from '../../src/store/redis/keys';
import { eventually, type RunningBraid, startBraid } from '../helpers/server';
import { RedisClusterServers } from './redisClusterServers';

// Two braid nodes on a REAL Redis Cluster (three primaries, `redis-cli --cluster create`), with resources whose
// keys hash to slots on every primary: a node follows each resource on the primary owning its slot (one
// multi-stream XREAD across slots is refused there: CROSSSLOT), writers on both nodes converge, and every
// acknowledged write is in the cluster's log.

interface Doc {
  items: string[];
}

const cluster = new RedisClusterServers();
const nodes: (RunningBraid & { store: RedisStore })[] = [];
let admin: Cluster;
const RESOURCES = Array.from({ length: 9 }, (_, i) => `/t/${i}`);
const WRITES_PER_WRITER = 6;

beforeAll(async () => {
  await cluster.start();
  admin = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })));
  for (let i = 0; i < 2; i++) {
    // A list of nodes as users give it; ioredis discovers the rest (here: only the first one is named).
    const store = redisStore({ cluster: [cluster.nodes[i]], onError: () => {} });
    const node = await startBraid({ store }, (braid) => braid.resource('/t/:id', { initial: { items: [] } }));
    nodes.push({ ...node, store });
  }
}, 60_000);

afterAll(async () => {
  // Redis first: stopping a node never waits on it then, and no redis-server outlives the file.
  await cluster.destroy();
  admin?.disconnect();
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('redisStore on Redis Cluster', () => {
  it('computes the hash slot of each key as Redis does, and the resources cover every primary', async () => {
    await eventually(() => admin.status === 'ready');
    const owners = new Set<string>();
    for (const path of RESOURCES) {
      const key = resourceKeys('braid:', path).log;
      expect(hashSlot(key)).toBe(Number(await admin.call('CLUSTER', 'KEYSLOT', key)));
      owners.add(admin.slots[hashSlot(key)][0]);
    }
    expect(owners.size).toBe(3);
  });

  it('a write on one node reaches subscribers of every resource on the other (followed on each shard)', async () => {
    const client = new BraidClient({ baseUrl: nodes[1].origin });
    try {
      const docs = RESOURCES.map((path) => client.resource<Doc>(`${path}-follow`));
      const stops = docs.map((doc) => doc.subscribe(() => {}));
      await Promise.all(docs.map((doc) => doc.ready));
      // Only node 0 writes: node 1 learns of it by following each stream on its own primary.
      for (const path of RESOURCES) {
        await nodes[0].braid.patch<Doc>(`${path}-follow`, (d) => {
          d.items.push('from node 0');
        });
      }
      await eventually(
        () => docs.every((doc) => doc.getSnapshot()?.items[0] === 'from node 0'),
        15_000,
        'node 1 subscribers to see node 0 writes',
      );
      for (const stop of stops) stop();
    } finally {
      client.close();
    }
  });

  it('writers on both nodes, on resources across slots, converge; every acknowledged write is in the log', async () => {
    const clients = nodes.map(
      (node) => new BraidClient({ baseUrl: node.origin, retry: { baseMs: 20, maxMs: 200 } }),
    );
    try {
      const docs = clients.map((client) => RESOURCES.map((path) => client.resource<Doc>(path)));
      const stops = docs.flat().map((doc) => doc.subscribe(() => {}));
      await Promise.all(docs.flat().map((doc) => doc.ready));

      // Every client pushes its items onto every resource at once (stale Parents included: transformed).
      for (let n = 0; n < WRITES_PER_WRITER; n++) {
        docs.forEach((perResource, writer) => {
          for (const doc of perResource) {
            doc.set((d) => {
              d.items.push(`w${writer}-${n}`);
            });
          }
        });
      }
      await eventually(
        () => docs.flat().every((doc) => doc.getStatus().pending === 0),
        30_000,
        'every write acknowledged',
      );

      const expected = [0, 1]
        .flatMap((writer) => Array.from({ length: WRITES_PER_WRITER }, (_, n) => `w${writer}-${n}`))
        .sort();
      for (const [r, path] of RESOURCES.entries()) {
        // Each node's value, and each client's replica (fed through the other node's follow), are one value.
        // (A node sees the other's last versions through its follow: a moment after the writers' acks.)
        const [a, b] = (await eventually(
          async () => {
            const both = await Promise.all(nodes.map((node) => node.braid.get<Doc>(path)));
            return JSON.stringify(both[0]) === JSON.stringify(both[1]) ? both : undefined;
          },
          15_000,
          `both nodes to agree on ${path}`,
        ))!;
        expect(b).toEqual(a);
        expect([...a.value.items].sort()).toEqual(expected);
        await eventually(
          () =>
            docs.every(
              (perResource) => JSON.stringify(perResource[r].getSnapshot()) === JSON.stringify(a.value),
            ),
          15_000,
          `both clients to hold the value of ${path}`,
        );
      }
      for (const stop of stops) stop();

      // What the cluster holds is all of it: a third node, loading every resource from Redis alone (one
      // shard each), has the same values.
      const store = redisStore({ cluster: cluster.nodes, onError: () => {} });
      const third = await startBraid({ store }, (braid) =>
        braid.resource('/t/:id', { initial: { items: [] } }),
      );
      nodes.push({ ...third, store });
      for (const path of RESOURCES) {
        expect(await third.braid.get<Doc>(path)).toEqual(await nodes[0].braid.get<Doc>(path));
      }
    } finally {
      for (const client of clients) client.close();
    }
  }, 60_000);
});

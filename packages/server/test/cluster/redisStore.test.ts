import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from '../../src/index';
import { rawRequest, request } from '../helpers/rawHttp';
import { RawSubscriber } from '../helpers/rawSubscriber';
import { RedisServer } from '../helpers/redisServer';
import { type RunningBraid, startBraid } from '../helpers/server';

// Two server nodes in this process, each with its own redisStore (own connections) on one real redis-server.

const redis = new RedisServer();
const nodes: RunningBraid[] = [];

async function startNode(prefix = 'braid:') {
  const node = await startBraid({ store: redisStore({ url: redis.url, keyPrefix: prefix }) }, (braid) =>
    braid.resource('/doc', { initial: { items: [] as string[] } }).resource('/t/:id', { initial: {} }),
  );
  nodes.push(node);
  return node;
}

beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  for (const node of nodes) await node.stop();
  await redis.destroy();
});

describe('redisStore: two nodes, one log', () => {
  it('a write on one node reaches a subscriber on the other, in order', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const sub = await RawSubscriber.open(b.port, '/doc');
    expect(sub.status).toBe(209);
    const put = await rawRequest(
      a.port,
      request('PUT', '/doc', { Version: '"w1"', Parents: '', 'Content-Range': 'json .items[0:0]' }, '["x"]'),
    );
    expect(put.status).toBe(200);
    await sub.waitForVersion('w1');
    expect(sub.value).toEqual({ items: ['x'] });
    const got = await rawRequest(b.port, request('GET', '/doc'));
    expect(JSON.parse(got.text)).toEqual({ items: ['x'] });
    sub.close();
  });
});

import { codePointLength, TextResource } from '@braid-live/core/text';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { int, pick, rng } from '../../core/test/random';
import { redisStore } from '../src/redis';
import { RedisServer } from './helpers/redisServer';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

// braid.text on a store shared by several nodes (redisStore, a real redis-server): writes are ordered by the
// shared log (a write that loses the race to another node takes in what it missed and is positioned again),
// and each node follows the log. Typists on two nodes at once end with one text, on every client and node.

const redis = new RedisServer();
const nodes: RunningBraid[] = [];
const clients: TextResource[] = [];

beforeAll(async () => {
  await redis.start();
  for (const _ of [0, 1])
    nodes.push(
      await startBraid({ store: redisStore({ url: redis.url, onError: () => {} }) }, (braid) =>
        braid.text('/doc', { initial: 'start' }),
      ),
    );
}, 30_000);
afterAll(async () => {
  for (const client of clients) client.close();
  for (const node of nodes) await node.stop();
  await redis.destroy();
});

it('typists on two nodes converge: every client and both nodes hold the same text, nothing lost', async () => {
  const r = rng(7);
  for (let i = 0; i < 6; i++)
    clients.push(new TextResource(`${nodes[i % 2].origin}/doc`, { peer: `n${i % 2}t${i}` }));
  await Promise.all(clients.map((c) => c.ready));
  let inserted = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (let n = 0; n < 30; n++) {
        const at = int(r, codePointLength(client.text) + 1);
        client.edit([{ start: at, end: at, content: pick(r, ['a', 'b', '😀', 'é']) }]);
        inserted++;
        await new Promise((resolve) => setTimeout(resolve, int(r, 5)));
      }
    }),
  );
  const texts = async () => [
    ...clients.map((c) => c.text),
    ...(await Promise.all(nodes.map(async (node) => (await node.braid.get<string>('/doc')).value))),
  ];
  const all = await eventually(
    async () => {
      const t = await texts();
      return !clients.some((c) => c.pending) && t.every((x) => x === t[0]) ? t : undefined;
    },
    20_000,
    'every client and node to agree',
  );
  expect(codePointLength(all?.[0] ?? '')).toBe(codePointLength('start') + inserted);
  // Both nodes list the same versions, in the same order (one log).
  const histories = await Promise.all(nodes.map((node) => node.braid.history('/doc')));
  expect(histories[0].map((e) => e.version)).toEqual(histories[1].map((e) => e.version));
}, 60_000);

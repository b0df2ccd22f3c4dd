import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBraidServer } from '../src/index';
import { redisStore } from '../src/redis';
import { RedisServer } from './helpers/redisServer';

// braid.text keeps a text's history on one node. On a store shared by several nodes (redisStore) every node
// would keep its own text while answering 200: the definition is refused at once, with the reason.

const redis = new RedisServer();
beforeAll(() => redis.start(), 30_000);
afterAll(() => redis.destroy());

it('refuses braid.text on a shared store, and says what to use instead', async () => {
  const braid = createBraidServer({
    store: redisStore({ url: redis.url, onError: () => {} }),
    onError: () => {},
  });
  try {
    expect(() => braid.text('/docs/:id', { initial: '' })).toThrow(/do not run on a shared store/);
    // JSON resources and presence are fine there.
    expect(() => braid.resource('/json', { initial: {} })).not.toThrow();
    expect(() => braid.presence('/presence/:id')).not.toThrow();
  } finally {
    await braid.close();
  }
});

import http from 'node:http';
import { createBraidServer, memoryStore } from '@braid-live/server';
import { redisStore } from '@braid-live/server/redis';
import { FEED_PATH, INITIAL_DOC, INITIAL_VERSION } from '../config';
import { listen } from './listen';
import type { StartServer } from './types';

/**
 * braid-live's server as a user would run it: createBraidServer with the memory store (or redisStore), one resource, default
 * limits and framing, mounted on node:http. Writes are PUTs from the writer; the server merges, records and
 * fans them out by itself.
 */
export const startServer: StartServer = async () => {
  // `pnpm bench cluster` runs several of these on one Redis (BENCH_REDIS_URL).
  const redisUrl = process.env.BENCH_REDIS_URL;
  const braid = createBraidServer({ store: redisUrl ? redisStore({ url: redisUrl }) : memoryStore() });
  braid.resource(FEED_PATH, { initial: INITIAL_DOC, initialVersion: INITIAL_VERSION });
  await braid.get(FEED_PATH);
  const server = http.createServer(braid.handler);
  return { port: await listen(server) };
};

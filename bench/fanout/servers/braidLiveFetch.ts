import { createBraidServer, memoryStore } from '@braid-live/server';
import { FEED_PATH, HOST, INITIAL_DOC, INITIAL_VERSION } from '../config';
import type { StartServer } from './types';

/**
 * braid-live through its web-standard handler, braid.fetch: under Bun on Bun.serve, under Node on
 * @hono/node-server (the adapter Hono users run). Same resource and limits as braidLive.ts; only the
 * Request/Response path differs, which is what this system measures.
 */
export const startServer: StartServer = async () => {
  const braid = createBraidServer({ store: memoryStore() });
  braid.resource(FEED_PATH, { initial: INITIAL_DOC, initialVersion: INITIAL_VERSION });
  await braid.get(FEED_PATH);
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (bun) {
    const server = bun.serve({ hostname: HOST, port: 0, idleTimeout: 0, fetch: braid.fetch });
    return { port: server.port };
  }
  const { serve } = await import('@hono/node-server');
  return new Promise((resolve) => {
    serve({ fetch: braid.fetch, hostname: HOST, port: 0 }, (info) => resolve({ port: info.port }));
  });
};

interface BunLike {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: (request: Request) => Promise<Response>;
  }): { port: number };
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BraidServerStats, createBraidServer, fileStore } from '@braid-live/server';
import { redisStore } from '@braid-live/server/redis';
import { urls } from '../src/model/resources';
import { startFeeds } from './feeds/index';
import { migrateJsonNotes } from './notesMigration';
import { defineSharedResources, INITIAL_NOTES } from './sharedResources';
import { serveStatic } from './staticFiles';

export interface DashboardServerOptions {
  port: number;
  host: string;
  /** Where the fileStore keeps one log per resource. */
  dataDir: string;
  /** Several nodes on one Redis instead (`pnpm demo:cluster`): the fileStore and dataDir are not used. */
  redisUrl?: string;
  /** The built app (vite build). Ignored with `viteDevRoot`. */
  distDir: string;
  /** Serve the app from Vite's dev server (HMR) instead of `distDir`: the app folder. */
  viteDevRoot?: string;
}

export interface DashboardServer {
  url: string;
  /** The Braid server's counters (subscriptions, multiplexer streams...), for tests and monitoring. */
  stats(): BraidServerStats;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** One port for everything: the Braid resources under /api/, the app for every other path. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const reportError = (error: unknown, context = 'feed') => console.error(`dashboard: ${context}:`, error);
  const store = options.redisUrl ? redisStore({ url: options.redisUrl }) : fileStore(options.dataDir);
  // Notes stored as JSON by an older version become a text (before the text resource loads them).
  if (await migrateJsonNotes(store, urls.notes, INITIAL_NOTES))
    console.log('dashboard: the notes were moved from a JSON document onto a text resource');
  const braid = createBraidServer({
    store,
    // The feeds write ~20 versions a second: compact each log at 1 MB rather than the default 8 MB.
    limits: { compactAfterBytes: 1024 * 1024 },
    onError: reportError,
  });
  defineSharedResources(braid);
  const stopFeeds = startFeeds(braid, reportError);

  const http = createServer();
  let app: Handler;
  let closeVite = async () => {};
  if (options.viteDevRoot) {
    const vite = await import('vite');
    const devServer = await vite.createServer({
      root: options.viteDevRoot,
      appType: 'spa',
      server: { middlewareMode: true, hmr: { server: http } },
    });
    app = (req, res) => devServer.middlewares(req, res);
    closeVite = () => devServer.close();
  } else {
    app = serveStatic(options.distDir);
  }
  http.on('request', (req, res) => braid.middleware(req, res, () => void app(req, res)));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}/`,
    stats: () => braid.stats(),
    close: () =>
      (closing ??= (async () => {
        stopFeeds();
        http.close();
        // Ends the subscriptions and waits for writes in progress to be durable.
        await braid.close();
        http.closeAllConnections();
        await closeVite();
      })()),
  };
}

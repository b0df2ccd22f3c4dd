// A page server for browser tests: @braid-live/core bundled once (esbuild, iife global `BraidLive`) at
// /braid-live.js, a few HTML pages, /ping, and a @braid-live/server for everything else, on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type BraidServer, createBraidServer, memoryStore } from '@braid-live/server';
import { build } from 'esbuild';

export interface PageServer {
  base: string;
  braid: BraidServer;
  /** Open TCP connections from browsers, counted by the server. */
  connections(): number;
  /** Subscription requests that came plainly (not through a multiplexer), counted by the server. */
  plainSubscriptions(): number;
  close(): Promise<void>;
}

export async function startPageServer(
  pages: Record<string, string>,
  define: (braid: BraidServer) => void,
): Promise<PageServer> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'BraidLive',
    write: false,
    platform: 'browser',
  });
  const script = bundle.outputFiles[0].contents;
  const braid = createBraidServer({ store: memoryStore() });
  define(braid);
  let plainSubscriptions = 0;
  const server = http.createServer((req, res) => {
    if (req.headers.subscribe && !req.headers['multiplex-through']) plainSubscriptions++;
    if (req.url === '/ping') return void res.end('pong');
    if (req.url === '/braid-live.js') {
      res.setHeader('Content-Type', 'text/javascript');
      return void res.end(script);
    }
    const page = req.url ? pages[req.url] : undefined;
    if (page !== undefined) {
      res.setHeader('Content-Type', 'text/html');
      return void res.end(page);
    }
    braid.handler(req, res);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    braid,
    connections: () => sockets.size,
    plainSubscriptions: () => plainSubscriptions,
    async close() {
      await braid.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer } from '../../src/index';
import type { BraidServer, BraidServerOptions } from '../../src/types';

export interface RunningBraid {
  braid: BraidServer;
  http: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  stop(): Promise<void>;
}

/** A braid server on 127.0.0.1, port 0. `stop` closes the braid server, then every connection. */
export async function startBraid(
  options: BraidServerOptions,
  setup: (braid: BraidServer) => void,
): Promise<RunningBraid> {
  const braid = createBraidServer({ onError: () => {}, ...options });
  setup(braid);
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    braid,
    http: server,
    port,
    origin: `http://127.0.0.1:${port}`,
    stop() {
      stopped ??= (async () => {
        await braid.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

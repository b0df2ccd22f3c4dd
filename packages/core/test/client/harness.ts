// A real @braid-live/server on 127.0.0.1 for client tests: start, stop and restart on the same port (and store).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { type BraidServer, type BraidServerOptions, createBraidServer } from '@braid-live/server';
import { vi } from 'vitest';

// Captured when the harness loads, before a test installs fake timers: real waits, for real I/O.
const realSetTimeout = globalThis.setTimeout;

/**
 * Fake timers for client tests (the client and an in-process server both run on them); real I/O goes on.
 * `performance`, setImmediate and microtasks stay real, so sockets and streams work as usual.
 */
export function useFakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

/** A real pause (whatever the timers): lets sockets deliver what is on its way. */
export function realPause(ms = 1): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/**
 * Moves fake time forward by `ms`, in steps, with a real pause after each, so what a timer starts (a heartbeat
 * written, a reconnect) reaches the other side before the next step.
 */
export async function advance(ms: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    await vi.advanceTimersByTimeAsync(Math.min(stepMs, ms - done));
    await realPause(2);
  }
}

export interface TestServer {
  braid: BraidServer;
  port: number;
  base: string;
  /** Open sockets (to cut connections on purpose). */
  sockets: Set<Socket>;
  stop(): Promise<void>;
  /** Stops, then starts again on the same port with a new BraidServer from `setup`. */
  restart(): Promise<void>;
}

export async function startServer(
  setup: () => { options?: BraidServerOptions; define: (braid: BraidServer) => void },
  port = 0,
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const { options, define } = setup();
  const braid = createBraidServer(options);
  define(braid);
  const server = http.createServer(braid.handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const self: TestServer = {
    braid,
    port: actualPort,
    base: `http://127.0.0.1:${actualPort}`,
    sockets,
    async stop() {
      await braid.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      await self.stop();
      const next = await startServer(setup, actualPort);
      Object.assign(self, {
        braid: next.braid,
        sockets: next.sockets,
        stop: next.stop,
        restart: next.restart,
      });
    },
  };
  return self;
}

/**
 * Polls until `check` returns truthy (or throws after `timeoutMs` of real time). Under fake timers each poll also
 * moves fake time 10 ms, so short timers (a backoff of a few ms) still fire; long waits are the test's `advance`.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(10);
    await realPause(10);
  }
}

/** A fetch that records each request (method, url, headers), to assert what the client sent. */
export function recordingFetch() {
  const requests: { method: string; url: string; headers: Record<string, string> }[] = [];
  const fetchFn = (input: string, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    requests.push({ method: init?.method ?? 'GET', url: String(input), headers });
    return fetch(input, init);
  };
  return { fetch: fetchFn, requests, subscriptions: () => requests.filter((r) => r.headers.subscribe) };
}

/**
 * A fetch over node:http with at most `maxSockets` connections to the server, like a browser's 6 per origin
 * over HTTP/1.1: a request beyond them waits until a connection frees up.
 */
export function limitedFetch(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const fetchFn = (input: string, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const req = http.request(input, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) responseHeaders.set(k, String(v));
        const body = Readable.toWeb(res) as ReadableStream<Uint8Array>;
        resolve(new Response(body, { status: res.statusCode ?? 500, headers: responseHeaders }));
      });
      req.on('error', reject);
      init.signal?.addEventListener('abort', () => req.destroy(new DOMException('aborted', 'AbortError')), {
        once: true,
      });
      if (init.body) req.end(Buffer.from(init.body as Uint8Array));
      else req.end();
    });
  return { fetch: fetchFn, agent };
}

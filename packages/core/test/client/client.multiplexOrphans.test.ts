// A multiplexed subscription the client gave up on while its request was still on the wire (a head timeout
// under load, a release right after subscribing) must not stay held on the server: the client's DELETE can
// overtake the request itself, and then the server would start a response that nobody reads.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { forgetSupport } from '../../src/client/multiplex/multiplexSupport';
import { startServer, type TestServer, waitFor } from './harness';

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (server) forgetSupport(new URL(server.base).origin);
  await server?.stop();
  server = undefined;
});

/**
 * A fetch whose first multiplexed subscription request is delayed "on the wire": the caller sees it aborted
 * at once, but the server receives it only after the client's DELETE for it has been answered.
 */
function overtakingFetch() {
  let held = false;
  const deletes: { url: string; status: number }[] = [];
  let deleted!: () => void;
  const firstDelete = new Promise<void>((resolve) => {
    deleted = resolve;
  });
  let delivered: Promise<Response> | undefined;
  const fetchFn = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (init.method === 'DELETE') {
      const answer = await fetch(input, init);
      deletes.push({ url: String(input), status: answer.status });
      deleted();
      return answer;
    }
    if (!held && headers.get('multiplex-through') && headers.get('subscribe')) {
      held = true;
      const { signal, ...rest } = init;
      // The real request leaves only after the DELETE overtook it, and nobody waits for its answer.
      delivered = firstDelete.then(() => fetch(input, rest));
      return new Promise<Response>((_, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    return fetch(input, init);
  };
  return { fetch: fetchFn, deletes, delivered: () => delivered };
}

describe('multiplexed requests the client gave up on', () => {
  it('a request that arrives after its own DELETE is refused (410), and the server holds nothing', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) => braid.resource('/doc', { initial: { n: 0 } }),
    }));
    const wire = overtakingFetch();
    const client = new BraidClient({
      baseUrl: server.base,
      fetch: wire.fetch,
      multiplex: true,
      gracePeriodMs: 0,
    });
    cleanups.push(() => client.close());
    const res = client.resource<{ n: number }>('/doc');
    const stop = res.subscribe(() => {});
    await waitFor(() => wire.delivered() !== undefined, 5000, 'the subscription request to be sent');
    stop(); // gives up while the request is still on the wire
    const late = await wire.delivered()!;
    expect(late.status).toBe(410);
    expect(await late.text()).toMatch(/cancelled before it started/);
    expect(wire.deletes[0].status).toBe(404); // the DELETE came first: the server did not know the request yet
    expect(server.braid.stats().subscribers).toBe(0);

    // The stream itself still works for the next subscription.
    const again = client.resource<{ n: number }>('/doc');
    cleanups.push(again.subscribe(() => {}));
    await again.ready;
    expect(server.braid.stats().multiplexedSubscribers).toBe(1);
  });

  it('the client stops a response the server starts for a request it no longer knows', async () => {
    // A multiplexer (written from the frames, like a server that lacks the early-cancel memory) that
    // starts a response for an id the client never sent, then waits: the client must DELETE it.
    const deletes: string[] = [];
    const raw = http.createServer((req, res) => {
      if (req.method === 'DELETE') {
        deletes.push(req.url ?? '');
        res.writeHead(404).end();
        return;
      }
      if (req.method === 'POST' && req.url?.startsWith('/.well-known/multiplexer/')) {
        res.writeHead(200, { 'Multiplex-Version': '1.0', 'Content-Type': 'application/http-multiplex' });
        res.write('\r\nstart response orphan1\r\n10 bytes for response orphan1\r\n0123456789');
        return; // held open; closed by the server's close below
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    cleanups.push(() => new Promise<void>((resolve) => raw.close(() => resolve())));
    cleanups.push(() => raw.closeAllConnections());
    cleanups.push(() => forgetSupport(new URL(base).origin));

    const client = new BraidClient({ baseUrl: base, multiplex: true });
    cleanups.push(() => client.close());
    const res = client.resource('/anything');
    cleanups.push(res.subscribe(() => {}));
    await waitFor(() => deletes.length > 0, 5000, 'a DELETE of the orphan response');
    expect(deletes[0]).toMatch(/^\/\.well-known\/multiplexer\/[^/]+\/orphan1$/);
    // Once: the data frame after the start frame does not send a second DELETE.
    expect(deletes.filter((d) => d.endsWith('/orphan1'))).toHaveLength(1);
  });
});

// Per-request headers (a function, possibly async: a token refreshed without a custom fetch) and onEvent/debug
// (transitions, requests and answers), through the public API against a real @braid-live/server on 127.0.0.1
// behind a token check.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createBraidServer, memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BraidClient, type BraidClientEvent } from '../../src/client/index';
import { waitFor } from './harness';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

/** A braid server that answers only requests carrying `Authorization: Bearer <token.current>`. */
async function tokenServer() {
  const token = { current: 't1' };
  const braid = createBraidServer({ store: memoryStore() });
  braid.resource('/doc', { initial: { n: 0 }, initialVersion: 'v0' });
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token.current}`) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('bad token\n');
      return;
    }
    braid.handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await braid.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, braid, token, sockets };
}

describe('headers as a function', () => {
  it('is asked for each request, so a refreshed token is used on the next reconnect and write', async () => {
    const srv = await tokenServer();
    let calls = 0;
    let clientToken = 't1';
    const client = new BraidClient({
      baseUrl: srv.base,
      multiplex: false,
      retry: { baseMs: 10, maxMs: 50 },
      headers: async () => {
        calls++;
        await Promise.resolve(); // as a token refresh would
        return { Authorization: `Bearer ${clientToken}` };
      },
    });
    cleanups.push(() => client.close());
    const res = client.resource<{ n: number }>('/doc');
    res.subscribe(() => {});
    await res.ready;
    await res.set((d) => void (d.n = 1));
    expect(calls).toBeGreaterThanOrEqual(2); // the subscription and the PUT

    // The token rotates: the server takes only the new one from now on, the client's source gives it.
    srv.token.current = 't2';
    clientToken = 't2';
    for (const s of srv.sockets) s.destroy();
    await waitFor(() => res.getStatus().state === 'reconnecting', 5000, 'reconnecting');
    await waitFor(() => res.getStatus().state === 'live', 5000, 'live with the new token');
    await res.set((d) => void (d.n = 2));
    expect((await srv.braid.get<{ n: number }>('/doc')).value.n).toBe(2);
    expect(res.getStatus().error).toBeUndefined();
  });

  it('static headers that go stale end in a clear 401 (the contrast: nothing refreshes them)', async () => {
    const srv = await tokenServer();
    const client = new BraidClient({
      baseUrl: srv.base,
      multiplex: false,
      headers: { Authorization: 'Bearer t1' },
    });
    cleanups.push(() => client.close());
    const res = client.resource('/doc');
    res.subscribe(() => {});
    await res.ready;
    srv.token.current = 't2';
    for (const s of srv.sockets) s.destroy();
    await waitFor(() => res.getStatus().state === 'error', 5000, 'refused');
    expect(res.getStatus().error).toMatchObject({ kind: 'http', status: 401 });
  });
});

describe('onEvent and debug', () => {
  it('reports connection transitions, requests, answers and write phases, in order', async () => {
    const srv = await tokenServer();
    const events: BraidClientEvent[] = [];
    const client = new BraidClient({
      baseUrl: srv.base,
      multiplex: false,
      headers: { Authorization: 'Bearer t1' },
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => client.close());
    const res = client.resource<{ n: number }>('/doc');
    res.subscribe(() => {});
    await res.ready;
    await res.set((d) => void (d.n = 7));
    // The echo may overtake the PUT's answer (the write is confirmed from sending): the answer still comes.
    await waitFor(() => events.some((e) => e.type === 'response' && e.method === 'PUT'), 5000, 'the answer');
    const url = `${srv.base}/doc`;
    const brief = events.map((e) =>
      e.type === 'connection'
        ? `connection ${e.from}→${e.to}`
        : e.type === 'write'
          ? `write ${e.from}→${e.to}`
          : e.type === 'request-failed'
            ? `failed ${e.method}`
            : `${e.type} ${e.method}${e.subscribe ? ' subscribe' : ''}${e.type === 'response' ? ` ${e.status}` : ''}`,
    );
    expect(events.every((e) => e.url === url)).toBe(true);
    const order = [
      'connection idle→connecting',
      'request GET subscribe',
      'response GET subscribe 209',
      'connection connecting→live',
      'write queued→sending',
      'request PUT',
    ];
    let at = -1;
    for (const step of order) {
      const next = brief.indexOf(step, at + 1);
      expect(next, `${step} after ${brief[at]} in ${brief.join(', ')}`).toBeGreaterThan(at);
      at = next;
    }
    expect(brief).toContain('response PUT 200');
    expect(
      brief.slice(at).some((b) => b === 'write acked→confirmed' || b === 'write sending→confirmed'),
    ).toBe(true);
    const put = events.find((e) => e.type === 'request' && e.method === 'PUT');
    expect(put).toMatchObject({ version: res.getStatus().version![0] });
  });

  it('debug: true logs every event with console.debug', async () => {
    const srv = await tokenServer();
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const client = new BraidClient({
      baseUrl: srv.base,
      multiplex: false,
      headers: { Authorization: 'Bearer t1' },
      debug: true,
    });
    cleanups.push(() => client.close());
    await client.resource('/doc').ready;
    const logged = debug.mock.calls.map((call) => call[1] as BraidClientEvent);
    expect(logged.some((e) => e.type === 'connection' && e.to === 'live')).toBe(true);
    expect(logged.some((e) => e.type === 'response' && e.subscribe && e.status === 209)).toBe(true);
  });
});

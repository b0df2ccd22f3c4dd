// Issue 10, "No write is ever lost silently", client side, against real servers on 127.0.0.1: versions of the
// initial state, writer ids that never collide, writes that are never echoed, set() values as JSON stores them,
// stock braidify servers that send nothing until their next update, and the reconnect backoff.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BraidClient, BraidError } from '../../src/client/index';
import type { BraidClientOptions } from '../../src/client/types';
import { startStockBraidifyServer } from '../referenceBraid';
import { advance, recordingFetch, startServer, type TestServer, useFakeTimers, waitFor } from './harness';

type Doc = Record<string, unknown> & { items: unknown[]; n: number };

let server: TestServer | undefined;
const clients: BraidClient[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of clients.splice(0)) c.close();
  await server?.stop();
  server = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start() {
  server = await startServer(() => ({
    define: (braid) => braid.resource('/doc', { initial: { items: [], n: 0 } }),
  }));
  return server;
}

function newClient(options: BraidClientOptions = {}) {
  const client = new BraidClient({
    baseUrl: server?.base,
    heartbeats: 0,
    retry: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  clients.push(client);
  return client;
}

async function open(client: BraidClient, url = '/doc') {
  const res = client.resource<Doc>(url);
  res.subscribe(() => {});
  await res.ready;
  return res;
}

/** Deep equality with Object.is on every leaf (-0 is not 0). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => k in b && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

async function freshGet(url: string): Promise<unknown> {
  return JSON.parse(await (await fetch(url, { headers: { Accept: 'application/json' } })).text());
}

describe('point 1: the client names the initial state by its id', () => {
  it('its first subscription holds the id, and its first write sends it as Parents (never an empty Parents)', async () => {
    const srv = await start();
    const { fetch, requests } = recordingFetch();
    const res = await open(newClient({ fetch }));
    const initialId = (await srv.braid.get('/doc')).version;
    expect(initialId[0]).toMatch(/^init-/);
    expect(res.getStatus().version).toEqual(initialId);
    res.set((d) => {
      d.n = 1;
    });
    await waitFor(() => res.getStatus().pending === 0, 5000, 'the echo');
    const put = requests.find((r) => r.method === 'PUT')!;
    expect(put.headers.parents).toBe(JSON.stringify(initialId[0]));
    expect(requests.every((r) => r.headers.parents !== '')).toBe(true);
  });
});

describe('point 2: writer ids never collide', () => {
  it('two clients with the same peer (a reload, a second tab) both get their writes applied', async () => {
    const srv = await start();
    const first = await open(newClient({ peer: 'same' }));
    first.set((d) => {
      d.items.push('from the first');
    });
    await waitFor(() => first.getStatus().pending === 0, 5000, 'the first write');
    const second = await open(newClient({ peer: 'same' }));
    second.set((d) => {
      d.items.push('from the second');
    });
    await waitFor(
      () => second.getStatus().pending === 0,
      5000,
      'the second write (not taken as a duplicate)',
    );
    expect((await srv.braid.get('/doc')).value).toEqual({
      items: ['from the first', 'from the second'],
      n: 0,
    });
    expect(sameJson(first.getSnapshot(), await freshGet(`${srv.base}/doc`))).toBe(true);
  });

  it('a write whose Version someone else took first gets a new id, is applied once, and reports version-taken', async () => {
    const srv = await start();
    const errors: BraidError[] = [];
    const client = newClient({ peer: 'p', onError: (e) => errors.push(e) });
    const res = await open(client);
    // Someone who saw the stream's ids writes the client's next id first.
    const taken = `p-${client.instance}-1`;
    const squat = await fetch(`${srv.base}/doc`, {
      method: 'PUT',
      headers: {
        Version: JSON.stringify(taken),
        'Content-Range': 'json .n',
        'Content-Type': 'application/json',
      },
      body: '99',
    });
    expect(squat.status).toBe(200);
    res.set((d) => {
      d.items.push('mine');
    });
    await waitFor(() => res.getStatus().pending === 0, 5000, 'the renamed write');
    expect(errors.map((e) => e.kind)).toContain('version-taken');
    expect(errors.find((e) => e.kind === 'version-taken')).toBeInstanceOf(BraidError);
    expect((await srv.braid.get('/doc')).value).toEqual({ items: ['mine'], n: 99 });
    // Later writes are not frozen.
    res.set((d) => {
      d.n = 100;
    });
    await waitFor(() => res.getStatus().pending === 0, 5000, 'a later write');
    expect((await srv.braid.get('/doc')).value).toEqual({ items: ['mine'], n: 100 });
    expect(res.getSnapshot()).toEqual((await srv.braid.get('/doc')).value);
  });

  it('a write acknowledged but never echoed (the stream stalls) is settled by a fresh snapshot, not pending forever', async () => {
    const srv = await start();
    let stall = true;
    // The subscription's bytes stop after the first chunk while `stall` holds (a stuck proxy): no echo arrives.
    const stallingFetch = async (input: string, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (!new Headers(init?.headers).get('subscribe') || !stall || !response.body) return response;
      stall = false;
      let chunks = 0;
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (chunks++ === 0) controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    };
    useFakeTimers();
    const res = await open(newClient({ fetch: stallingFetch, echoTimeoutMs: 300, multiplex: false }));
    res.set((d) => {
      d.n = 5;
    });
    await waitFor(
      async () => ((await srv.braid.get('/doc')).value as Doc).n === 5,
      5000,
      'the write applied',
    );
    expect(res.getStatus().pending).toBe(1); // acknowledged, never echoed
    await advance(300);
    await waitFor(() => res.getStatus().pending === 0, 5000, 'the write settled without its echo');
    expect(((await srv.braid.get('/doc')).value as Doc).n).toBe(5);
    expect(res.getStatus().version).toEqual((await srv.braid.get('/doc')).version);
    expect(res.getSnapshot()).toEqual({ items: [], n: 5 });
  });
});

describe('point 4: the local view is what the server stores', () => {
  it('set() normalizes -0, undefined, NaN, Date, Map and class instances as JSON does; after the echo it deep-equals a fresh GET', async () => {
    const srv = await start();
    const res = await open(newClient());
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const when = new Date(Date.UTC(2026, 0, 2));
    res.set((d) => {
      d.n = -0;
      d.gone = undefined;
      d.nan = Number.NaN;
      d.inf = Number.POSITIVE_INFINITY;
      d.when = when as unknown as string;
      d.map = new Map([['a', 1]]) as unknown as Record<string, never>;
      d.point = new Point(1, -0) as unknown as { x: number; y: number };
      d.items.push(undefined, -0, { deep: undefined, keep: 1 });
    });
    const local = res.getSnapshot()!;
    expect(Object.is(local.n, 0)).toBe(true);
    expect('gone' in local).toBe(false);
    expect(local.when).toBe(when.toISOString());
    expect(local.map).toEqual({});
    expect(Object.getPrototypeOf(local.point)).toBe(Object.prototype);
    await waitFor(() => res.getStatus().pending === 0, 5000, 'the echo');
    const stored = await freshGet(`${srv.base}/doc`);
    expect(sameJson(res.getSnapshot(), stored)).toBe(true);
    // A plain value, and a recipe that sets -0 over 0 (no visible change to JSON, so nothing to send).
    res.set({ items: [-0, Number.NaN], n: 0, at: new Date(0) } as unknown as Doc);
    res.set((d) => {
      d.n = -0;
    });
    await waitFor(() => res.getStatus().pending === 0, 5000, 'the second echo');
    expect(sameJson(res.getSnapshot(), await freshGet(`${srv.base}/doc`))).toBe(true);
  });

  it('throws a BraidError (kind invalid) synchronously for BigInt, functions and cycles, and changes nothing', async () => {
    await start();
    const res = await open(newClient());
    const before = res.getSnapshot();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const bad: ((d: Doc) => void)[] = [
      (d) => {
        d.n = 1n as unknown as number;
      },
      (d) => {
        d.fn = () => 1;
      },
      (d) => {
        d.cycle = cycle;
      },
    ];
    for (const recipe of bad) {
      let thrown: unknown;
      try {
        res.set(recipe);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(BraidError);
      expect((thrown as BraidError).kind).toBe('invalid');
    }
    expect(() => res.set({ items: [], n: 1, when: 2n } as unknown as Doc)).toThrow(/BigInt/);
    expect(res.getSnapshot()).toBe(before);
    expect(res.getStatus().pending).toBe(0);
  });
});

describe('point 5: a stock braidify 1.3.80 server that sends nothing until its next update', () => {
  async function startStock() {
    const stock = await startStockBraidifyServer('{"items":[],"n":0}', 'v0');
    cleanups.push(() => stock.close());
    return stock;
  }
  const stockClient = (base: string, errors: BraidError[] = []) =>
    newClient({ baseUrl: base, headTimeoutMs: 200, multiplex: false, onError: (e) => errors.push(e) });

  it('after a restart with nobody else writing, the client is live again and its error cleared', async () => {
    const stock = await startStock();
    const res = await open(stockClient(stock.base));
    expect(res.getStatus().state).toBe('live');
    await stock.restart(async () => {
      await waitFor(() => res.getStatus().state === 'reconnecting', 5000, 'reconnecting');
    });
    await waitFor(() => res.getStatus().error, 5000, 'the connection error');
    await waitFor(() => res.getStatus().state === 'live', 5000, 'live again without any update');
    expect(res.getStatus().error).toBeUndefined();
  });

  it('an edit made while the server was down is sent once it answers, confirmed by its echo', async () => {
    const stock = await startStock();
    const res = await open(stockClient(stock.base));
    await stock.restart(async () => {
      await waitFor(() => res.getStatus().state === 'reconnecting', 5000, 'reconnecting');
      res.set((d) => {
        d.items.push('offline edit');
      });
    });
    await waitFor(() => res.getStatus().pending === 0, 5000, 'the buffered edit sent and echoed');
    expect(stock.doc()).toEqual({ items: ['offline edit'], n: 0 });
    expect(res.getSnapshot()).toEqual(stock.doc());
    expect(res.getStatus()).toMatchObject({ state: 'live', version: [stock.version()] });
    expect(res.getStatus().error).toBeUndefined();
  });
});

describe('reconnect backoff', () => {
  it('is not reset by a 209 whose stream then fails at once: the delays keep growing', async () => {
    useFakeTimers();
    const arrivals: number[] = [];
    const cut = http.createServer((_req, res) => {
      arrivals.push(Date.now()); // fake time: when the client's backoff timer let it through
      // A 209 head, then the stream is cut before any update.
      res.writeHead(209, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      setImmediate(() => res.destroy());
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          cut.closeAllConnections();
          cut.close(() => resolve());
        }),
    );
    const base = `http://127.0.0.1:${(cut.address() as AddressInfo).port}`;
    const client = newClient({ baseUrl: base, retry: { baseMs: 20, maxMs: 100_000 } });
    client.resource('/doc').subscribe(() => {});
    for (let step = 0; arrivals.length < 7 && step < 200; step++) await advance(50, 50);
    expect(arrivals.length).toBeGreaterThanOrEqual(7);
    client.close();
    // With equal jitter, attempt k waits at least 20·2^k / 2 ms: 10+20+40+80+160+320 = 630 ms before the 7th.
    expect(arrivals[6] - arrivals[0]).toBeGreaterThanOrEqual(600);
  });
});

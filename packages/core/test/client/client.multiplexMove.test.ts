// 'auto' multiplexing with at most one long-lived connection per page and origin: the first subscription
// goes plain while the origin is unknown; a second one opens the multiplexer and the first moves into it,
// resumed at the version it reached (no update lost, no snapshot sent again); the next page remembers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer, memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { forgetSupport } from '../../src/client/multiplex/multiplexSupport';
import { parseVersions } from '../../src/protocol/index';
import { startServer, type TestServer, waitFor } from './harness';

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (server) forgetSupport(new URL(server.base).origin);
  await server?.stop();
  server = undefined;
});

interface Log {
  items: number[];
  padding: string;
}

/** A server whose /log/:n documents carry ~100 KB, so a snapshot sent again would show in the byte count. */
async function logServer() {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) =>
      braid.resource('/log/:n', { initial: (): Log => ({ items: [], padding: 'x'.repeat(100_000) }) }),
  }));
  return server;
}

/** Records every request, and counts the bytes that arrive on multiplexer streams. */
function observedFetch() {
  const requests: { method: string; url: string; headers: Headers }[] = [];
  let multiplexedBytes = 0;
  const fetchFn = async (input: string, init?: RequestInit): Promise<Response> => {
    requests.push({ method: init?.method ?? 'GET', url: String(input), headers: new Headers(init?.headers) });
    const response = await fetch(input, init);
    if (!String(input).includes('/.well-known/multiplexer/') || init?.method !== 'POST' || !response.body)
      return response;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          multiplexedBytes += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, headers: response.headers });
  };
  const subscriptions = () => requests.filter((r) => r.headers.get('subscribe'));
  return { fetch: fetchFn, requests, subscriptions, multiplexedBytes: () => multiplexedBytes };
}

describe("'auto' multiplexing: one long-lived connection per page", () => {
  it('moves an early plain subscription into the multiplexer without losing an update or re-sending the snapshot', async () => {
    const srv = await logServer();
    const seen = observedFetch();
    const client = new BraidClient({ baseUrl: srv.base, fetch: seen.fetch, heartbeats: 0 });
    cleanups.push(() => client.close());

    const first = client.resource<Log>('/log/0');
    first.subscribe(() => {});
    await first.ready;
    expect(seen.subscriptions()).toHaveLength(1);
    expect(seen.subscriptions()[0].headers.get('multiplex-through')).toBeNull();
    expect(srv.braid.stats()).toMatchObject({ subscribers: 1, multiplexedSubscribers: 0 });

    // The server keeps writing before, while and after the subscription moves (until 30 writes after it).
    let written = 0;
    let afterMove = -1;
    const writer = (async () => {
      for (; written < 3000 && afterMove < 30; written++) {
        await srv.braid.patch('/log/0', (d: Log) => void d.items.push(written));
        if (afterMove >= 0) afterMove++;
        else if (srv.braid.stats().multiplexedSubscribers === 2) afterMove = 0;
        if (written % 5 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await waitFor(() => (first.getSnapshot()?.items.length ?? 0) >= 20, 5000, 'some updates, plainly');

    const second = client.resource<Log>('/log/1');
    second.subscribe(() => {});
    await second.ready;
    await writer;
    expect(afterMove).toBe(30);

    const all = Array.from({ length: written }, (_, i) => i);
    await waitFor(() => first.getSnapshot()!.items.length === written, 5000, 'every update');
    expect(first.getSnapshot()!.items).toEqual(all); // none lost, none twice, in order
    // Both are now inside the one stream; the plain request is gone.
    await waitFor(() => srv.braid.stats().multiplexedSubscribers === 2, 3000, 'both multiplexed');
    expect(srv.braid.stats()).toMatchObject({ multiplexers: 1, subscribers: 2, multiplexedSubscribers: 2 });

    // The moved subscription resumed at a version the plain one had delivered, not from scratch.
    const subs = seen.subscriptions();
    const moved = subs.filter((r) => r.url.endsWith('/log/0') && r.headers.get('multiplex-through'));
    expect(moved).toHaveLength(1);
    const parents = moved[0].headers.get('parents');
    expect(parents).toBeTruthy();
    const history = await srv.braid.history('/log/0', { limit: 1000 });
    expect(history.map((h) => h.version)).toContain(parseVersions(parents!)[0]);
    // /log/1's snapshot (~100 KB) came through the stream; /log/0's did not come a second time.
    expect(seen.multiplexedBytes()).toBeGreaterThan(100_000);
    expect(seen.multiplexedBytes()).toBeLessThan(150_000);

    // It stays live inside the multiplexer, and writes go through.
    first.set((d) => void d.items.push(-1));
    await waitFor(() => first.getStatus().pending === 0, 5000, 'the write confirmed');
    expect(((await srv.braid.get('/log/0')).value as Log).items.at(-1)).toBe(-1);
    expect(first.getStatus().state).toBe('live');
  });

  it('a later page on the same origin starts multiplexed from its first subscription (remembered)', async () => {
    const srv = await logServer();
    const firstPage = new BraidClient({ baseUrl: srv.base, heartbeats: 0 });
    const rs = [0, 1].map((i) => firstPage.resource(`/log/${i}`));
    for (const r of rs) r.subscribe(() => {});
    await Promise.all(rs.map((r) => r.ready));
    firstPage.close();

    const seen = observedFetch();
    const nextPage = new BraidClient({ baseUrl: srv.base, fetch: seen.fetch, heartbeats: 0 });
    cleanups.push(() => nextPage.close());
    const only = nextPage.resource<Log>('/log/0');
    only.subscribe(() => {});
    await only.ready;
    expect(seen.subscriptions()).toHaveLength(1);
    expect(seen.subscriptions()[0].headers.get('multiplex-through')).toBeTruthy();
    await waitFor(() => srv.braid.stats().subscribers === 1, 3000, "the first page's subscriptions to end");
    expect(srv.braid.stats()).toMatchObject({ multiplexers: 1, multiplexedSubscribers: 1 });
  });

  it('14 subscriptions opened at once share one stream, none left plain', async () => {
    const srv = await logServer();
    const seen = observedFetch();
    const client = new BraidClient({ baseUrl: srv.base, fetch: seen.fetch, heartbeats: 0 });
    cleanups.push(() => client.close());
    const rs = Array.from({ length: 14 }, (_, i) => client.resource<Log>(`/log/${i}`));
    for (const r of rs) r.subscribe(() => {});
    await Promise.all(rs.map((r) => r.ready));
    await waitFor(() => srv.braid.stats().multiplexedSubscribers === 14, 3000, 'all 14 multiplexed');
    expect(srv.braid.stats()).toMatchObject({ multiplexers: 1, subscribers: 14 });
    await srv.braid.patch('/log/0', (d: Log) => void d.items.push(7));
    await waitFor(() => rs[0].getSnapshot()!.items[0] === 7, 3000, 'an update');
  });

  it('a lone subscription stays plain: no multiplexer is opened for it', async () => {
    const srv = await logServer();
    const seen = observedFetch();
    const client = new BraidClient({ baseUrl: srv.base, fetch: seen.fetch, heartbeats: 0 });
    cleanups.push(() => client.close());
    const only = client.resource<Log>('/log/0');
    only.subscribe(() => {});
    await only.ready;
    await srv.braid.patch('/log/0', (d: Log) => void d.items.push(1));
    await waitFor(() => only.getSnapshot()!.items.length === 1, 3000, 'an update');
    expect(seen.requests.some((r) => r.url.includes('/.well-known/multiplexer/'))).toBe(false);
    expect(srv.braid.stats()).toMatchObject({ multiplexers: 0, subscribers: 1 });
  });

  it('against a server that does not multiplex: the early one resumes plainly, and the refusal is remembered', async () => {
    const braid = createBraidServer({ store: memoryStore() });
    braid.resource('/log/:n', { initial: (): Log => ({ items: [], padding: '' }) });
    const plainOnly = http.createServer((req, res) => {
      if (req.url?.startsWith('/.well-known/multiplexer/'))
        return void res.writeHead(404).end('no multiplexer');
      braid.handler(req, res);
    });
    await new Promise<void>((resolve) => plainOnly.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(plainOnly.address() as AddressInfo).port}`;
    cleanups.push(async () => {
      forgetSupport(base);
      await braid.close();
      plainOnly.closeAllConnections();
      await new Promise((r) => plainOnly.close(r));
    });
    const seen = observedFetch();
    const client = new BraidClient({ baseUrl: base, fetch: seen.fetch, heartbeats: 0 });
    cleanups.push(() => client.close());
    const first = client.resource<Log>('/log/0');
    first.subscribe(() => {});
    await first.ready;
    await braid.patch('/log/0', (d: Log) => void d.items.push(1));
    await waitFor(() => first.getSnapshot()!.items.length === 1, 3000, 'an update');
    const second = client.resource<Log>('/log/1');
    second.subscribe(() => {});
    await second.ready;
    await braid.patch('/log/0', (d: Log) => void d.items.push(2));
    await waitFor(() => first.getSnapshot()!.items.length === 2, 3000, 'an update after the probe');
    expect(first.getSnapshot()!.items).toEqual([1, 2]);
    await waitFor(() => braid.stats().subscribers === 2, 3000, 'two plain subscriptions');
    const resumed = seen.subscriptions().filter((r) => r.url.endsWith('/log/0'));
    expect(resumed).toHaveLength(2);
    expect(resumed[1].headers.get('parents')).toBeTruthy();

    const seenNext = observedFetch();
    const nextPage = new BraidClient({ baseUrl: base, fetch: seenNext.fetch, heartbeats: 0 });
    cleanups.push(() => nextPage.close());
    const rs = [0, 1].map((i) => nextPage.resource(`/log/${i}`));
    for (const r of rs) r.subscribe(() => {});
    await Promise.all(rs.map((r) => r.ready));
    expect(seenNext.requests.some((r) => r.url.includes('/.well-known/multiplexer/'))).toBe(false);
  });
});

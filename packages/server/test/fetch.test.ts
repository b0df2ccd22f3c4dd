// braid.fetch(Request) → Response: the protocol on web-standard objects (the same core as the Node handler).
// Requests and Responses here are the runtime's real ones; the examples drive it over real sockets too.
import { createUpdateParser, type Update } from '@braid-live/core/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type BraidServer, type BraidServerOptions, createBraidServer } from '../src/index';

const ORIGIN = 'http://braid.test';
let braid: BraidServer;
afterEach(() => braid?.close());

function server(options: BraidServerOptions = {}) {
  braid = createBraidServer({ onError: () => {}, ...options });
  braid.resource('/doc', { initial: { n: 0, list: [1, 2] } });
  return braid;
}

const call = (path: string, init?: RequestInit) => braid.fetch(new Request(`${ORIGIN}${path}`, init));

/** Reads a subscription's updates as they come. */
function updatesOf(response: Response) {
  const updates: Update[] = [];
  let raw = '';
  const parser = createUpdateParser((u) => updates.push(u));
  const reader = response.body!.getReader();
  const pumping = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      raw += new TextDecoder().decode(value);
      parser.push(value);
    }
  })().catch(() => {});
  return {
    updates,
    raw: () => raw,
    reader,
    pumping,
    async until(count: number) {
      for (let i = 0; i < 500 && updates.length < count; i++) await new Promise((r) => setTimeout(r, 5));
      expect(updates.length).toBeGreaterThanOrEqual(count);
    },
  };
}

describe('braid.fetch', () => {
  it('GET and HEAD: value, Version, the Braid headers; 404 for other paths', async () => {
    server();
    await braid.patch<{ n: number }>('/doc', (d) => {
      d.n = 1;
    });
    const get = await call('/doc');
    expect(get.status).toBe(200);
    expect(get.headers.get('version')).toMatch(/^".+"$/);
    expect(get.headers.get('range-request-allow-units')).toBe('json');
    expect(await get.json()).toEqual({ n: 1, list: [1, 2] });
    const head = await call('/doc', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(JSON.stringify({ n: 1, list: [1, 2] }).length));
    expect(await head.text()).toBe('');
    expect((await call('/elsewhere')).status).toBe(404);
  });

  it('subscribe: a streaming 209, the snapshot then each version; resume with Parents sends only what is after', async () => {
    server();
    const first = await braid.patch<{ n: number }>('/doc', (d) => {
      d.n = 1;
    });
    const response = await call('/doc', { headers: { Subscribe: 'true' } });
    expect(response.status).toBe(209);
    expect(response.headers.get('subscribe')).toBe('true');
    const stream = updatesOf(response);
    await stream.until(1);
    expect(JSON.parse(new TextDecoder().decode(stream.updates[0].body))).toEqual({ n: 1, list: [1, 2] });
    await braid.patch<{ n: number; list: number[] }>('/doc', (d) => {
      d.list.push(3);
    });
    await stream.until(2);
    expect(stream.updates[1].patches?.length).toBe(1);
    await stream.reader.cancel();

    const resumed = updatesOf(await call('/doc', { headers: { Subscribe: 'true', Parents: `"${first}"` } }));
    await resumed.until(1);
    expect(resumed.updates[0].parents).toEqual([first]);
    expect(resumed.updates[0].body).toBeUndefined();
    await resumed.reader.cancel();
  });

  it('a subscription already at the head gets its head at once (a blank line, skipped by parsers)', async () => {
    server();
    const version = await braid.patch<{ n: number }>('/doc', (d) => {
      d.n = 2;
    });
    const response = await call('/doc', { headers: { Subscribe: 'true', Parents: `"${version}"` } });
    const stream = updatesOf(response);
    for (let i = 0; i < 200 && stream.raw() === ''; i++) await new Promise((r) => setTimeout(r, 5));
    expect(stream.raw()).toBe('\r\n');
    expect(stream.updates).toHaveLength(0);
    await stream.reader.cancel();
  });

  it('heartbeats: echoed and sent; cancelling the stream ends the subscription and its timer', async () => {
    server();
    const response = await call('/doc', { headers: { Subscribe: 'true', Heartbeats: '0.1s' } });
    expect(response.headers.get('heartbeats')).toBe('0.1s');
    const stream = updatesOf(response);
    await stream.until(1);
    const afterSnapshot = stream.raw().length;
    for (let i = 0; i < 400 && !stream.raw().slice(afterSnapshot).includes('\r\n'); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(stream.raw().slice(afterSnapshot)).toMatch(/^(\r\n)+$/);
    expect(braid.stats()).toMatchObject({ subscribers: 1, heartbeatTimers: 1 });
    await stream.reader.cancel();
    expect(braid.stats()).toMatchObject({ subscribers: 0, heartbeatTimers: 0 });
  });

  it('a subscriber that does not read is cut off (bounded buffering); one that reads gets everything', async () => {
    server({ limits: { maxBufferedBytesPerSubscriber: 4096 } });
    const stalled = await call('/doc', { headers: { Subscribe: 'true' } }); // never read
    const reading = updatesOf(await call('/doc', { headers: { Subscribe: 'true' } }));
    await reading.until(1);
    for (let i = 0; i < 200; i++) {
      await braid.patch<{ n: number }>('/doc', (d) => {
        d.n = i + 1;
      });
    }
    await reading.until(201);
    expect(braid.stats().cutOffs).toBe(1);
    expect(braid.stats().subscribers).toBe(1);
    expect(braid.stats().peakBufferedBytes).toBeLessThan(4096 + 1024);
    // The stalled reader finds its stream errored (its client reconnects and resumes).
    await expect(stalled.body!.getReader().read()).rejects.toThrow(/cut off/);
    await reading.reader.cancel();
  });

  it('PUT/PATCH in every body form; a write is confirmed with its Version', async () => {
    server();
    const snapshot = await call('/doc', {
      method: 'PUT',
      headers: { Version: '"w1"' },
      body: '{"n":5,"list":[]}',
    });
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('version')).toBe('"w1"');
    const inline = await call('/doc', {
      method: 'PATCH',
      headers: { Version: '"w2"', 'Content-Range': 'json .list[0:0]' },
      body: '["a"]',
    });
    expect(inline.status).toBe(200);
    const multi = await call('/doc', {
      method: 'PATCH',
      headers: { Version: '"w3"', Patches: '2' },
      body: 'Content-Length: 1\r\nContent-Range: json .n\r\n\r\n7\r\n\r\nContent-Length: 3\r\nContent-Range: json .x\r\n\r\n"y"\r\n\r\n',
    });
    expect(multi.status, await multi.clone().text()).toBe(200);
    expect((await braid.get('/doc')).value).toEqual({ n: 7, list: ['a'], x: 'y' });
    // A retry of a known Version changes nothing.
    expect(
      (await call('/doc', { method: 'PUT', headers: { Version: '"w1"' }, body: '{"n":5,"list":[]}' })).status,
    ).toBe(200);
    expect((await braid.history('/doc')).map((e) => e.version)).toEqual(['w3', 'w2', 'w1']);
  });

  it('bodies: over the limit → 413; already used or shorter than Content-Length → 500, nothing changed', async () => {
    server({ limits: { maxBodyBytes: 100 } });
    const big = await call('/doc', { method: 'PUT', body: JSON.stringify({ s: 'x'.repeat(200) }) });
    expect(big.status).toBe(413);
    const used = new Request(`${ORIGIN}/doc`, { method: 'PUT', body: '{"n":9}' });
    await used.text();
    const refused = await braid.fetch(used);
    expect(refused.status).toBe(500);
    expect(await refused.text()).toMatch(/body was read before braid-live/);
    const short = new Request(`${ORIGIN}/doc`, {
      method: 'PUT',
      headers: { 'Content-Length': '20' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"n":9}'));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const shortAnswer = await braid.fetch(short);
    expect(shortAnswer.status).toBe(500);
    expect(await shortAnswer.text()).toMatch(/7 of the 20 bytes/);
    expect(await braid.history('/doc')).toEqual([]);
  });

  it('bad input gets its 4xx with a reason: JSON, Parents, validate, methods', async () => {
    braid = createBraidServer({ onError: () => {} });
    braid.resource('/doc', {
      initial: { n: 0 },
      validate: (next) => (next.n < 10 ? true : 'n must be < 10'),
    });
    for (const [init, status] of [
      [{ method: 'PUT', body: '{bad' }, 400],
      [{ method: 'PUT', headers: { Parents: '"unknown"' }, body: '{"n":1}' }, 409],
      [{ method: 'PUT', body: '{"n":10}' }, 422],
      [{ method: 'POST', body: '{}' }, 405],
    ] as const) {
      const res = await call('/doc', init as RequestInit);
      expect(res.status).toBe(status);
      expect((await res.text()).trim().length).toBeGreaterThan(0);
    }
    expect((await braid.get('/doc')).value).toEqual({ n: 0 });
  });

  it('authorize (with context.header) and CORS, as on Node', async () => {
    braid = createBraidServer({
      onError: () => {},
      cors: 'https://app.example',
      authorize: (req, { action, header }) => {
        expect(req).toBeInstanceOf(Request);
        return action === 'read' || header('Authorization') === 'Bearer w';
      },
    });
    braid.resource('/doc', { initial: {} });
    const denied = await call('/doc', {
      method: 'PUT',
      headers: { Origin: 'https://app.example' },
      body: '{}',
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const allowed = await call('/doc', {
      method: 'PUT',
      headers: { Authorization: 'Bearer w' },
      body: '{"a":1}',
    });
    expect(allowed.status).toBe(200);
    const preflight = await call('/doc', { method: 'OPTIONS', headers: { Origin: 'https://app.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Subscribe/);
  });

  it('multiplexing: a stream opened by POST carries a subscription answered 293', async () => {
    server();
    const mux = await call('/.well-known/multiplexer/m1', {
      method: 'POST',
      headers: { 'Multiplex-Version': '1.0' },
    });
    expect(mux.status).toBe(200);
    const reader = mux.body!.getReader();
    const through = await call('/doc', {
      headers: {
        Subscribe: 'true',
        'Multiplex-Through': '/.well-known/multiplexer/m1/r1',
        'Multiplex-Version': '1.0',
      },
    });
    expect(through.status).toBe(293);
    let text = '';
    while (!text.includes('"list"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/start response r1/);
    expect(text).toMatch(/HTTP\/1\.1 209/);
    expect(braid.stats().multiplexers).toBe(1);
    await reader.cancel();
    expect(braid.stats().multiplexers).toBe(0);
  });
});

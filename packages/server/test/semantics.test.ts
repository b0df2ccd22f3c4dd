import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBraidServer, memoryStore } from '../src/index';
import { rawExchange, rawRequest, request } from './helpers/rawHttp';
import { RawSubscriber } from './helpers/rawSubscriber';
import { eventually, type RunningBraid, sleep, startBraid } from './helpers/server';

const initial = () => ({ title: 'hello', messages: [{ text: 'hi' }], n: 0 });

let running: RunningBraid[] = [];
const subscribers: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await Promise.all(running.map((r) => r.stop()));
  running = [];
});

async function start(
  options: Parameters<typeof startBraid>[0] = {},
  setup?: Parameters<typeof startBraid>[1],
) {
  const r = await startBraid(
    { store: memoryStore(), ...options },
    setup ?? ((b) => b.resource('/doc', { initial: initial() })),
  );
  running.push(r);
  return r;
}

async function subscribe(port: number, path = '/doc', headers: Record<string, string> = {}) {
  const s = await RawSubscriber.open(port, path, headers);
  subscribers.push(s);
  return s;
}

const put = (port: number, headers: Record<string, string>, body: string, path = '/doc') =>
  rawRequest(port, request('PUT', path, headers, body));

describe('reads', () => {
  it('GET answers the current value as JSON with its Version; HEAD the same without a body', async () => {
    const { port } = await start();
    const first = await rawRequest(port, request('GET', '/doc'));
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers.version).toMatch(/^"init-[\w-]{16}"$/); // the initial value has a version id too
    expect(JSON.parse(first.text)).toEqual(initial());

    expect((await put(port, { Version: '"a1"' }, '{"x":1}')).status).toBe(200);
    const [get, head] = await rawExchange(
      port,
      Buffer.concat([request('GET', '/doc'), request('HEAD', '/doc')]),
      ['GET', 'HEAD'],
    );
    expect(get.headers.version).toBe('"a1"');
    expect(JSON.parse(get.text)).toEqual({ x: 1 });
    expect(head.status).toBe(200);
    expect(head.headers.version).toBe('"a1"');
    expect(head.headers['content-length']).toBe(String(get.body.length));
    expect(head.body.length).toBe(0);
  });

  it('GET with an old Version answers that version, 410 once it left the history', async () => {
    const { port } = await start({ limits: { maxHistory: 3 } });
    for (let i = 1; i <= 5; i++)
      expect((await put(port, { Version: `"v${i}"` }, `{"i":${i}}`)).status).toBe(200);
    const old = await rawRequest(port, request('GET', '/doc', { Version: '"v3"' }));
    expect(old.status).toBe(200);
    expect(old.headers.version).toBe('"v3"');
    expect(JSON.parse(old.text)).toEqual({ i: 3 });
    // v2 is the root of the window now (its value is still known), v1 is gone
    const gone = await rawRequest(port, request('GET', '/doc', { Version: '"v1"' }));
    expect(gone.status).toBe(410);
    expect(gone.headers['content-type']).toMatch(/^text\/plain/);
    expect(gone.text.trim().split('\n')).toHaveLength(1);
    expect((await rawRequest(port, request('GET', '/doc', { Version: '"never"' }))).status).toBe(410);
  });

  it('the history endpoint lists versions newest first (Accept or ?history, with limit)', async () => {
    const { port, braid } = await start();
    await put(port, { Version: '"h1"', Peer: 'alice' }, '{"a":1}');
    await rawRequest(
      port,
      request('PATCH', '/doc', { Version: '"h2"', Parents: '"h1"', 'Content-Range': 'json .b' }, '[1,2]'),
    );
    const byAccept = await rawRequest(
      port,
      request('GET', '/doc', { Accept: 'application/braid-history+json' }),
    );
    expect(byAccept.status).toBe(200);
    expect(byAccept.headers['content-type']).toBe('application/braid-history+json');
    const list = JSON.parse(byAccept.text);
    expect(list.map((e: { version: string }) => e.version)).toEqual(['h2', 'h1']);
    expect(list[0]).toMatchObject({
      version: 'h2',
      parents: ['h1'],
      patches: [{ range: '.b', content: [1, 2] }],
    });
    expect(list[1]).toMatchObject({
      version: 'h1',
      parents: [expect.stringMatching(/^init-/)],
      peer: 'alice',
      patches: [{ range: '', content: { a: 1 } }],
    });
    expect(typeof list[0].time).toBe('number');

    const byQuery = await rawRequest(port, request('GET', '/doc?history&limit=1'));
    expect(JSON.parse(byQuery.text).map((e: { version: string }) => e.version)).toEqual(['h2']);
    expect((await braid.history('/doc', { limit: 5 })).map((e) => e.version)).toEqual(['h2', 'h1']);
  });
});

describe('writes', () => {
  it('a retry (same Version, Parents and patches) is answered 200 and changes nothing; another write under a taken Version is 409', async () => {
    const { port, braid } = await start();
    const sub = await subscribe(port);
    expect((await put(port, { Version: '"d1"' }, '{"v":1}')).status).toBe(200);
    const retry = await put(port, { Version: '"d1"' }, '{ "v" : 1 }');
    expect(retry.status).toBe(200);
    expect(retry.headers.version).toBe('"d1"');
    const again = await put(port, { Version: '"d1"' }, '{"v":"something else"}');
    expect(again.status).toBe(409);
    expect(again.text).toMatch(/^version taken/);
    const otherParents = await put(port, { Version: '"d1"', Parents: '"d1"' }, '{"v":1}');
    expect(otherParents.status).toBe(409);
    const garbage = await put(port, { Version: '"d1"' }, 'not json at all');
    expect(garbage.status).toBe(400);
    expect((await braid.get('/doc')).value).toEqual({ v: 1 });
    expect(await braid.history('/doc')).toHaveLength(1);
    await put(port, { Version: '"d2"' }, '{"v":2}');
    await sub.waitForVersion('d2');
    expect(sub.updates.map((u) => u.version[0])).toEqual([sub.updates[0].version[0], 'd1', 'd2']);
    expect(sub.updates[0].version[0]).toMatch(/^init-/);
  });

  it('unknown Parents → 409', async () => {
    const { port, braid } = await start();
    const res = await put(port, { Version: '"x1"', Parents: '"nope"' }, '{"v":1}');
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/unknown Parents/);
    expect((await braid.get('/doc')).value).toEqual(initial());
  });

  it('a write without Version gets a server-made id; without Parents it is based on the head', async () => {
    const { port, braid } = await start();
    const res = await rawRequest(port, request('PATCH', '/doc', { 'Content-Range': 'json .n' }, '5'));
    expect(res.status).toBe(200);
    expect(res.headers.version).toMatch(/^"s.+-\d+"$/);
    expect(await braid.get('/doc')).toMatchObject({
      version: [JSON.parse(res.headers.version)],
      value: { n: 5 },
    });
  });

  it('a stale write is transformed over the versions after its Parents', async () => {
    const { port, braid } = await start();
    await put(port, { Version: '"base"' }, '{"list":["a","b","c"],"text":"hello"}');
    // Two writers both based on "base"
    const w1 = await rawRequest(
      port,
      request(
        'PATCH',
        '/doc',
        { Version: '"w1"', Parents: '"base"', 'Content-Range': 'json .list[0:0]' },
        '["X"]',
      ),
    );
    const w2 = await rawRequest(
      port,
      request(
        'PATCH',
        '/doc',
        { Version: '"w2"', Parents: '"base"', 'Content-Range': 'json .list[2:3]' },
        '',
      ),
    );
    const w3 = await rawRequest(
      port,
      request(
        'PATCH',
        '/doc',
        { Version: '"w3"', Parents: '"base"', 'Content-Range': 'json .text[5:5]' },
        '" world"',
      ),
    );
    expect([w1.status, w2.status, w3.status]).toEqual([200, 200, 200]);
    expect((await braid.get('/doc')).value).toEqual({ list: ['X', 'a', 'b'], text: 'hello world' });
    const w2Entry = (await braid.history('/doc')).find((e) => e.version === 'w2')!;
    expect(w2Entry.parents).toEqual(['w1']);
    expect(w2Entry.patches).toEqual([{ range: '.list[3:4]' }]);
  });

  it('a write whose patches all vanish is still a version with zero patches, fanned out', async () => {
    const { port, braid } = await start();
    await put(port, { Version: '"p0"' }, '{"obj":{"k":1}}');
    const sub = await subscribe(port);
    await rawRequest(
      port,
      request('PATCH', '/doc', { Version: '"del"', Parents: '"p0"', 'Content-Range': 'json .obj' }, ''),
    );
    const late = await rawRequest(
      port,
      request('PATCH', '/doc', { Version: '"late"', Parents: '"p0"', 'Content-Range': 'json .obj.k' }, '2'),
    );
    expect(late.status).toBe(200);
    await sub.waitForVersion('late');
    const update = sub.updates.find((u) => u.version[0] === 'late')!;
    expect(update.patches).toEqual([]);
    expect(update.parents).toEqual(['del']);
    expect((await braid.history('/doc'))[0]).toMatchObject({ version: 'late', patches: [] });
    expect((await braid.get('/doc')).value).toEqual({});
  });

  it('a body arriving in many pieces is applied whole: chunked, and with a Content-Length', async () => {
    const { port, braid } = await start();
    // 300 KB of JSON with two-byte characters, sent in 1000-byte writes (a piece may end inside a character).
    const title = 'é-'.repeat(100_000);
    const body = Buffer.from(JSON.stringify(title));
    for (const chunked of [true, false]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            method: 'PUT',
            host: '127.0.0.1',
            port,
            path: '/doc',
            headers: {
              'Content-Range': 'json .title',
              ...(chunked ? {} : { 'Content-Length': String(body.length) }),
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        void (async () => {
          for (let at = 0; at < body.length; at += 1000) {
            req.write(body.subarray(at, at + 1000));
            if (at % 50_000 === 0) await sleep(1);
          }
          req.end();
        })();
      });
      expect(status).toBe(200);
      expect(((await braid.get('/doc')).value as { title: string }).title).toBe(title);
      await braid.patch('/doc', (d: { title: string }) => void (d.title = ''));
    }
  });

  it('a patch that does not apply to its own Parents is a 400, and nothing changes', async () => {
    const { port, braid } = await start();
    const res = await rawRequest(
      port,
      request('PATCH', '/doc', { 'Content-Range': 'json .missing.deep' }, '1'),
    );
    expect(res.status).toBe(400);
    expect((await braid.get('/doc')).value).toEqual(initial());
  });
});

describe('subscriptions', () => {
  it('209 with the Braid headers, a snapshot, then each version as a patch update', async () => {
    const { port } = await start();
    const sub = await subscribe(port);
    expect(sub.status).toBe(209);
    expect(sub.headers.subscribe).toBe('true');
    expect(sub.headers['cache-control']).toBe('no-cache, no-transform, no-store');
    expect(sub.headers['x-accel-buffering']).toBe('no');
    await sub.waitForUpdates(1);
    expect(sub.value).toEqual(initial());
    await rawRequest(port, request('PATCH', '/doc', { Version: '"s1"', 'Content-Range': 'json .n' }, '7'));
    await sub.waitForVersion('s1');
    expect(sub.updates[1].patches?.map((p) => p.range)).toEqual(['.n']);
    expect(sub.value).toEqual({ ...initial(), n: 7 });
  });

  it('echoes ?1 and empty Subscribe values', async () => {
    const { port } = await start();
    expect((await subscribe(port, '/doc', { Subscribe: '?1' })).headers.subscribe).toBe('?1');
    const empty = await RawSubscriber.fromBytes(port, 'GET /doc HTTP/1.1\r\nHost: x\r\nSubscribe:\r\n\r\n');
    subscribers.push(empty);
    expect(empty.status).toBe(209);
  });

  it('resumes with Parents: only the versions after them, or a snapshot when they are gone', async () => {
    const { port } = await start({ limits: { maxHistory: 3 } });
    for (let i = 1; i <= 3; i++) await put(port, { Version: `"r${i}"` }, `{"i":${i}}`);
    const resumed = await subscribe(port, '/doc', { Parents: '"r1"' });
    await resumed.waitForUpdates(2);
    await sleep(50);
    expect(resumed.updates.map((u) => u.version)).toEqual([['r2'], ['r3']]);
    expect(resumed.updates[0].parents).toEqual(['r1']);

    const upToDate = await subscribe(port, '/doc', { Parents: '"r3"' });
    await sleep(100);
    expect(upToDate.status).toBe(209);
    expect(upToDate.updates).toHaveLength(0);

    for (let i = 4; i <= 6; i++) await put(port, { Version: `"r${i}"` }, `{"i":${i}}`);
    const tooOld = await subscribe(port, '/doc', { Parents: '"r1"' });
    await tooOld.waitForUpdates(1);
    expect(tooOld.updates[0].version).toEqual(['r6']);
    expect(tooOld.updates[0].body).toBeDefined(); // a snapshot
    expect(tooOld.value).toEqual({ i: 6 });
    await upToDate.waitForVersion('r6');
    expect(upToDate.value).toEqual({ i: 6 });
  });

  it('heartbeats: echoed, CRLFs arrive, and no timer is left once subscribers and server are gone', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { port, braid, stop } = await start();
    const a = await subscribe(port, '/doc', { Heartbeats: '0.2s' });
    const b = await subscribe(port, '/doc', { Heartbeats: '0.2s' });
    const c = await subscribe(port, '/doc', { Heartbeats: '0.3s' });
    expect(a.headers.heartbeats).toBe('0.2s');
    expect(c.headers.heartbeats).toBe('0.3s');
    expect(braid.stats().heartbeatTimers).toBe(2); // one shared timer per period
    await a.waitForUpdates(1);
    const afterSnapshot = a.bodyBytes;
    await sleep(700);
    const beats = a.bodyBytes - afterSnapshot;
    expect(beats).toBeGreaterThanOrEqual(4); // at least 2 CRLFs in 0.7 s at 0.2 s
    expect(beats % 2).toBe(0);
    expect(a.updates).toHaveLength(1); // blank lines are not updates
    a.close();
    b.close();
    await eventually(() => braid.stats().heartbeatTimers === 1, 2000, 'the 0.2s timer to stop');
    await stop();
    expect(braid.stats().heartbeatTimers).toBe(0);
    await eventually(() => c.closed, 2000, 'server close to end subscriptions');
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
  });

  it('chunked framing works too (subscriptionFraming: "chunked")', async () => {
    const { port } = await start({ subscriptionFraming: 'chunked' });
    const sub = await subscribe(port);
    expect(sub.headers['transfer-encoding']).toBe('chunked');
    await put(port, { Version: '"c1"' }, '{"c":1}');
    await sub.waitForVersion('c1');
    expect(sub.value).toEqual({ c: 1 });
  });
});

describe('server-side API', () => {
  it('patch (immer recipe), revert, get, history, in-process subscribe', async () => {
    const { port, braid } = await start();
    const sub = await subscribe(port);
    const seen: unknown[] = [];
    const unsubscribe = braid.subscribe('/doc', (change) => seen.push(change.value));

    const v1 = await braid.patch('/doc', (d: ReturnType<typeof initial>) => {
      d.messages.push({ text: 'from server' });
      d.n = 1;
    });
    expect((await braid.get('/doc')).version).toEqual([v1]);
    expect((await braid.history('/doc'))[0]).toMatchObject({ version: v1, peer: 'server' });
    await braid.patch('/doc', (d: ReturnType<typeof initial>) => {
      d.title = 'changed';
    });
    const v3 = await braid.revert('/doc', v1);
    const reverted = await braid.get('/doc');
    expect(reverted.version).toEqual([v3]);
    expect(reverted.value).toEqual({
      title: 'hello',
      messages: [{ text: 'hi' }, { text: 'from server' }],
      n: 1,
    });
    expect((await braid.history('/doc', { limit: 1 }))[0].patches).toEqual([
      { range: '', content: reverted.value },
    ]);

    await sub.waitForVersion(v3);
    expect(sub.value).toEqual(reverted.value);
    await eventually(() => seen.length === 4, 2000, 'listener calls');
    expect(seen[0]).toEqual(initial());
    expect(seen[3]).toEqual(reverted.value);
    unsubscribe();
    await expect(braid.revert('/doc', 'no-such-version')).rejects.toThrow(/not in/);
  });

  it('path patterns with initial as a function of the params', async () => {
    const { port, braid } = await start({}, (b) =>
      b.resource('/api/tickers/:symbol', { initial: (params) => ({ symbol: params.symbol, price: 0 }) }),
    );
    const res = await rawRequest(port, request('GET', '/api/tickers/AAPL'));
    expect(JSON.parse(res.text)).toEqual({ symbol: 'AAPL', price: 0 });
    await braid.patch('/api/tickers/MSFT', (d: { price: number }) => {
      d.price = 420;
    });
    expect((await braid.get('/api/tickers/MSFT')).value).toEqual({ symbol: 'MSFT', price: 420 });
    expect((await rawRequest(port, request('GET', '/api/tickers/'))).status).toBe(404);
    expect((await rawRequest(port, request('GET', '/api/tickers/A/B'))).status).toBe(404);
  });

  it('does not load a pattern as if it were a path (initial is never called with ":symbol")', async () => {
    const seen: string[] = [];
    const { braid } = await start({}, (b) =>
      b.resource('/api/tickers/:symbol', {
        initial: (params) => {
          seen.push(params.symbol);
          return { symbol: params.symbol };
        },
      }),
    );
    await braid.get('/api/tickers/AAPL');
    expect(seen).toEqual(['AAPL']);
  });

  it('server-side writes send what changed: push + shift on a series is two splices, not one patch per index', async () => {
    const { braid } = await start({}, (b) =>
      b.resource('/series', { initial: { points: Array.from({ length: 60 }, (_, i) => i), last: 59 } }),
    );
    await braid.get('/series');
    await braid.patch('/series', (d: { points: number[]; last: number }) => {
      d.points.push(60);
      d.points.shift();
      d.last = 60;
    });
    const [entry] = await braid.history('/series', { limit: 1 });
    expect(entry.patches).toEqual([
      { range: '.points[0:1]' },
      { range: '.points[59:59]', content: [60] },
      { range: '.last', content: 60 },
    ]);
    expect((await braid.get<{ points: number[] }>('/series')).value.points).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });
});

describe('hooks', () => {
  it('authorize: false → 403, {status: 401} → 401, thrown with status → that status; reads and writes apart', async () => {
    const { port, braid } = await start({}, (b) =>
      b.resource('/doc', {
        initial: initial(),
        authorize: async (_req, { action, header }) => {
          const token = header('authorization');
          if (!token) return { status: 401, message: 'log in first' };
          if (token === 'Bearer reader') return action === 'read';
          if (token === 'Bearer broken') throw Object.assign(new Error('token expired'), { status: 401 });
          return token === 'Bearer writer';
        },
      }),
    );
    const anonymous = await rawRequest(port, request('GET', '/doc'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toBe('log in first\n');
    expect((await rawRequest(port, request('GET', '/doc', { Authorization: 'Bearer reader' }))).status).toBe(
      200,
    );
    const readerWrite = await put(port, { Authorization: 'Bearer reader' }, '{"hacked":true}');
    expect(readerWrite.status).toBe(403);
    const expired = await rawRequest(port, request('GET', '/doc', { Authorization: 'Bearer broken' }));
    expect(expired.status).toBe(401);
    expect(expired.text).toMatch(/token expired/);
    const subscribeDenied = await rawRequest(port, request('GET', '/doc', { Subscribe: 'true' }));
    expect(subscribeDenied.status).toBe(401);
    expect((await put(port, { Authorization: 'Bearer writer' }, '{"ok":true}')).status).toBe(200);
    expect((await braid.get('/doc')).value).toEqual({ ok: true });
  });

  it('validate: false / a string / a throw → 422 with the message; nothing changes', async () => {
    const { port, braid } = await start({}, (b) =>
      b.resource('/doc', {
        initial: { n: 0 },
        validate: (next: { n: number | string }, prev: { n: number | string }) => {
          if (typeof next.n !== 'number') return 'n must be a number';
          if (next.n < Number(prev.n)) return false;
          if (next.n > 100) throw new Error('n is too large');
          return true;
        },
      }),
    );
    const patch = (n: string) =>
      rawRequest(port, request('PATCH', '/doc', { 'Content-Range': 'json .n' }, n));
    expect((await patch('5')).status).toBe(200);
    const notNumber = await patch('"five"');
    expect(notNumber.status).toBe(422);
    expect(notNumber.text).toBe('n must be a number\n');
    expect((await patch('1')).status).toBe(422);
    const tooLarge = await patch('1000');
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.text).toMatch(/too large/);
    expect((await braid.get('/doc')).value).toEqual({ n: 5 });
  });
});

describe('HTTP plumbing', () => {
  it('CORS is off by default; configured, preflight is 204 with the Braid headers', async () => {
    const off = await start();
    const noCors = await rawRequest(off.port, request('OPTIONS', '/doc', { Origin: 'https://app.example' }));
    expect(noCors.status).toBe(204);
    expect(noCors.headers['access-control-allow-origin']).toBeUndefined();

    const on = await start({ cors: ['https://app.example'] });
    const preflight = await rawRequest(
      on.port,
      request('OPTIONS', '/doc', {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'subscribe, version, parents, peer, content-range, patches',
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    const allowed = preflight.headers['access-control-allow-headers'].toLowerCase().split(/,\s*/);
    for (const name of [
      'subscribe',
      'version',
      'parents',
      'peer',
      'heartbeats',
      'patches',
      'content-range',
      'merge-type',
      'content-type',
      'multiplex-through',
      'multiplex-version',
    ]) {
      expect(allowed).toContain(name);
    }
    expect(preflight.headers['access-control-allow-methods']).toMatch(/PUT/);
    const get = await rawRequest(on.port, request('GET', '/doc', { Origin: 'https://app.example' }));
    expect(get.headers['access-control-expose-headers']).toBe(
      'Version, Parents, Current-Version, Subscribe, Heartbeats, Retry-After, Link, Multiplex-Version, Multiplex-Through, Bad-Multiplexer, Bad-Request',
    );
    const other = await rawRequest(on.port, request('GET', '/doc', { Origin: 'https://evil.example' }));
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const star = await start({ cors: '*' });
    const anyOrigin = await rawRequest(star.port, request('GET', '/doc', { Origin: 'https://x.example' }));
    expect(anyOrigin.headers['access-control-allow-origin']).toBe('*');
  });

  it('middleware serves resource paths and calls next() for the others', async () => {
    const braid = createBraidServer({ store: memoryStore() });
    braid.resource('/api/doc', { initial: { a: 1 } });
    const server = http.createServer((req, res) => {
      braid.middleware(req, res, () => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('next was called');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(JSON.parse((await rawRequest(port, request('GET', '/api/doc'))).text)).toEqual({ a: 1 });
      expect((await rawRequest(port, request('GET', '/elsewhere'))).text).toBe('next was called');
      expect((await rawRequest(port, request('GET', '/api/doc/sub'))).text).toBe('next was called');
    } finally {
      await braid.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('404 for paths with no resource, 405 with Allow for other methods', async () => {
    const { port } = await start();
    const missing = await rawRequest(port, request('GET', '/nothing'));
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^text\/plain/);
    const del = await rawRequest(port, request('DELETE', '/doc'));
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD, PUT, PATCH, OPTIONS');
    const post = await rawRequest(port, request('POST', '/doc', {}, '{"a":1}'));
    expect(post.status).toBe(405);
  });
});

describe('limits and lifecycle', () => {
  it('subscribers per resource are limited (429 with Retry-After)', async () => {
    const { port } = await start({ limits: { maxSubscribersPerResource: 2 } });
    await subscribe(port);
    await subscribe(port);
    const third = await rawRequest(port, request('GET', '/doc', { Subscribe: 'true' }));
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('10');
  });

  it('a body already read by a body parser mounted before the middleware is refused (500), never trusted', async () => {
    const braid = createBraidServer({ store: memoryStore() });
    braid.resource('/doc', { initial: { a: 1 } });
    const server = http.createServer((req, res) => {
      // What express.json() does: read the body, parse it, leave it on req.body.
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        if (text) (req as unknown as { body: unknown }).body = JSON.parse(text);
        braid.middleware(req, res, () => res.end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const res = await rawRequest(
        port,
        request('PUT', '/doc', { 'Content-Type': 'application/json' }, '{"a":2}'),
      );
      expect(res.status).toBe(500);
      expect(res.text).toMatch(/Mount braid\.middleware before any body parser/);
      expect((await braid.get('/doc')).value).toEqual({ a: 1 });
    } finally {
      await braid.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('compacts the store past the threshold: base = oldest version in memory, records = the rest', async () => {
    const store = memoryStore();
    const compactions: { base?: { version: string[] }; records: { version: string }[] }[] = [];
    const spied = {
      ...store,
      compact: (path: string, state: Parameters<typeof store.compact>[1]) => {
        compactions.push(state);
        return store.compact(path, state);
      },
      close: async () => {}, // shared by the two servers below
    };
    const first = await start({ store: spied, limits: { compactAfterBytes: 500, maxHistory: 5 } });
    for (let i = 1; i <= 30; i++)
      await put(first.port, { Version: `"k${i}"` }, JSON.stringify({ i, pad: 'x'.repeat(50) }));
    await first.stop();
    expect(compactions.length).toBeGreaterThan(0);
    const last = compactions[compactions.length - 1];
    expect(last.records.length).toBeLessThanOrEqual(5);
    expect(last.base?.version).toHaveLength(1);
    // A new server on the same store has the same state and history window.
    const second = await start({ store: spied, limits: { maxHistory: 5 } });
    expect((await second.braid.get('/doc')).value).toEqual({ i: 30, pad: 'x'.repeat(50) });
    const resumed = await subscribe(second.port, '/doc', { Parents: '"k29"' });
    await resumed.waitForVersion('k30');
    expect(resumed.updates).toHaveLength(1);
  });

  it('compacts in proportion to what was appended, not every compactAfterBytes over a bigger history', async () => {
    const store = memoryStore();
    let appended = 0;
    let compacted = 0;
    let compactions = 0;
    const spied = {
      ...store,
      append: (path: string, record: Parameters<typeof store.append>[1]) => {
        appended += JSON.stringify(record).length;
        return store.append(path, record);
      },
      compact: (path: string, state: Parameters<typeof store.compact>[1]) => {
        compactions++;
        compacted += JSON.stringify(state).length;
        return store.compact(path, state);
      },
    };
    // A history of 50 versions (~7 KB) is far bigger than compactAfterBytes: compacting at every 500 bytes
    // appended would store each version ~13 times over.
    const { port, stop, braid } = await start({
      store: spied,
      limits: { compactAfterBytes: 500, maxHistory: 50 },
    });
    for (let i = 1; i <= 200; i++)
      await put(port, { Version: `"c${i}"` }, JSON.stringify({ i, pad: 'x'.repeat(50) }));
    expect((await braid.get('/doc')).value).toEqual({ i: 200, pad: 'x'.repeat(50) });
    await stop();
    expect(compactions).toBeGreaterThan(2);
    expect(compacted).toBeLessThan(3 * appended);
  });

  it('idle pattern resources are dropped from memory past maxLoadedResources, and reload from the store', async () => {
    const { port, braid } = await start({ limits: { maxLoadedResources: 3 } }, (b) =>
      b.resource('/items/:id', { initial: (params) => ({ id: params.id, n: 0 }) }),
    );
    for (let i = 0; i < 10; i++) {
      const res = await rawRequest(
        port,
        request('PATCH', `/items/${i}`, { 'Content-Range': 'json .n' }, String(i + 1)),
      );
      expect(res.status).toBe(200);
    }
    expect(braid.stats().resources).toBeLessThanOrEqual(4);
    for (let i = 0; i < 10; i++)
      expect((await braid.get(`/items/${i}`)).value).toEqual({ id: String(i), n: i + 1 });
  });

  it('writes and subscriptions after close() are refused (503), and close() is idempotent', async () => {
    const r = await start();
    await r.braid.close();
    await r.braid.close();
    const res = await rawRequest(r.port, request('GET', '/doc'));
    expect(res.status).toBe(503);
    await expect(r.braid.patch('/doc', () => {})).rejects.toThrow(/closed/);
  });
});

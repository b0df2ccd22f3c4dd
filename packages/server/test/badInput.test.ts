import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../src/index';
import type { BraidStore } from '../src/store/types';
import { type RawResponse, rawRequest, request } from './helpers/rawHttp';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, sleep, startBraid } from './helpers/server';

// Every bad input gets a clear 4xx with a one-line text/plain reason, changes nothing, and the server keeps
// serving: after each one, a subscriber on another connection must still receive the next good write.

const BODY_TIMEOUT_MS = 400;
let server: RunningBraid;
let subscriber: RawSubscriber;
let okCount = 0;
let failNextAppend = false;

beforeAll(async () => {
  const inner = memoryStore();
  const store: BraidStore = {
    ...inner,
    append: (path, record) => {
      if (failNextAppend) {
        failNextAppend = false;
        return Promise.reject(new Error('disk full'));
      }
      return inner.append(path, record);
    },
  };
  server = await startBraid({ store, limits: { bodyTimeoutMs: BODY_TIMEOUT_MS } }, (braid) => {
    braid.resource('/doc', { initial: { title: 'hello', list: [1, 2, 3], n: 0 } });
    braid.resource('/validated', {
      initial: { n: 0 },
      validate: (next: { n: number }) => {
        // A bug in a hook: a TypeError for n === 13
        if (next.n === 13) (undefined as unknown as { x: number }).x;
        return true;
      },
    });
  });
  subscriber = await RawSubscriber.open(server.port, '/doc');
  await subscriber.waitForUpdates(1);
});

afterAll(async () => {
  subscriber.close();
  await server.stop();
});

let before: { version: string[]; value: unknown };
beforeEach(async () => {
  before = structuredClone(await server.braid.get('/doc'));
});

afterEach(async () => {
  // Nothing changed…
  expect((await server.braid.get('/doc')).version).toEqual(before.version);
  expect((await server.braid.get('/doc')).value).toEqual(before.value);
  // …and the server still serves: a good write reaches the subscriber.
  const version = `ok-${++okCount}`;
  const res = await rawRequest(
    server.port,
    request(
      'PATCH',
      '/doc',
      { Version: JSON.stringify(version), 'Content-Range': 'json .n' },
      String(okCount),
    ),
  );
  expect(res.status).toBe(200);
  await subscriber.waitForVersion(version);
  expect(subscriber.closed).toBe(false);
  expect(subscriber.value).toEqual((await server.braid.get('/doc')).value);
});

function expectRefused(res: RawResponse, status: number, reason?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text.endsWith('\n')).toBe(true);
  expect(res.text.trim()).not.toBe('');
  expect(res.text.trim().includes('\n')).toBe(false);
  if (reason) expect(res.text).toMatch(reason);
}

const patch = (headers: Record<string, string>, body: string | Buffer) =>
  rawRequest(server.port, request('PATCH', '/doc', headers, body));

function patchesBody(patches: { range: string; content: string; length?: number }[]): string {
  return patches
    .map(
      (p) =>
        `Content-Length: ${p.length ?? Buffer.byteLength(p.content)}\r\nContent-Range: json ${p.range}\r\n\r\n${p.content}`,
    )
    .join('\r\n\r\n');
}

describe('malformed headers', () => {
  it('malformed Version', async () => {
    expectRefused(await patch({ Version: 'not-quoted', 'Content-Range': 'json .n' }, '1'), 400, /Version/);
  });

  it('malformed Parents', async () => {
    expectRefused(await patch({ Parents: '"a", 1', 'Content-Range': 'json .n' }, '1'), 400, /Parents/);
  });

  it('two Versions in one write', async () => {
    expectRefused(await patch({ Version: '"a", "b"', 'Content-Range': 'json .n' }, '1'), 400);
  });

  it('a bad Patches count', async () => {
    expectRefused(await patch({ Patches: 'two' }, 'x'), 400, /Patches/);
  });
});

describe('malformed bodies', () => {
  it('a patch without its Content-Length', async () => {
    const body = 'Content-Range: json .n\r\n\r\n5\r\n';
    expectRefused(await patch({ Patches: '1' }, body), 400);
  });

  it('Patches: 2 with one patch', async () => {
    expectRefused(await patch({ Patches: '2' }, patchesBody([{ range: '.n', content: '5' }])), 400);
  });

  it('a truncated patch (its Content-Length says more than the body has)', async () => {
    expectRefused(
      await patch({ Patches: '1' }, patchesBody([{ range: '.title', content: '"abc"', length: 50 }])),
      400,
    );
  });

  it('a body that stops arriving → 408 after the body timeout, without blocking anyone', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    const response = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
    });
    socket.write(
      'PATCH /doc HTTP/1.1\r\nHost: x\r\nContent-Range: json .title\r\nContent-Length: 100\r\n\r\n"only a part',
    );
    // While that body is stalled, another client writes and the subscriber receives it.
    const started = Date.now();
    await sleep(50);
    const other = await patch({ Version: '"during-stall"', 'Content-Range': 'json .n' }, '99');
    expect(other.status).toBe(200);
    await subscriber.waitForVersion('during-stall');
    expect(Date.now() - started).toBeLessThan(BODY_TIMEOUT_MS);
    const text = await response;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toMatch(/not received within/);
    before = structuredClone(await server.braid.get('/doc'));
  });

  it('a connection closed in the middle of a body', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.write('PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"title":"never finished"');
    await sleep(50);
    socket.destroy();
    await sleep(50);
  });

  it('invalid JSON (snapshot and patch)', async () => {
    expectRefused(await rawRequest(server.port, request('PUT', '/doc', {}, '{"title": oops}')), 400, /JSON/);
    expectRefused(await patch({ 'Content-Range': 'json .n' }, '{{'), 400, /JSON/);
    expectRefused(await rawRequest(server.port, request('PUT', '/doc', {}, '')), 400, /empty/);
  });

  it('invalid UTF-8 in content', async () => {
    expectRefused(
      await patch({ 'Content-Range': 'json .title' }, Buffer.from([0x22, 0xff, 0xfe, 0x22])),
      400,
    );
  });

  it('bad ranges', async () => {
    expectRefused(await patch({ 'Content-Range': 'json .list[' }, '1'), 400, /range/);
    expectRefused(await patch({ 'Content-Range': 'json [x]' }, '1'), 400, /range/);
    expectRefused(await patch({ 'Content-Range': 'json .list[1:2].x' }, '1'), 400, /range/);
  });

  it('a range that does not apply (index out of range, missing parent)', async () => {
    expectRefused(await patch({ 'Content-Range': 'json .list[10]' }, '1'), 400);
    expectRefused(await patch({ 'Content-Range': 'json .missing.child' }, '1'), 400);
  });

  it('__proto__ / constructor / prototype in paths and in content', async () => {
    expectRefused(await patch({ 'Content-Range': 'json .__proto__.polluted' }, 'true'), 400, /forbidden/);
    expectRefused(await patch({ 'Content-Range': 'json ["constructor"]' }, '1'), 400, /forbidden/);
    expectRefused(
      await patch({ 'Content-Range': 'json .x' }, '{"__proto__":{"polluted":true}}'),
      400,
      /forbidden/,
    );
    expectRefused(
      await rawRequest(server.port, request('PUT', '/doc', {}, '{"a":{"prototype":1}}')),
      400,
      /forbidden/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a forbidden key spelled with escapes, or deep inside a big body, is found too', async () => {
    // The parse skips its walk when the text cannot hold a forbidden key: an escape could spell one.
    expectRefused(
      await patch({ 'Content-Range': 'json .x' }, '{"\\u005f_proto__":{"polluted":true}}'),
      400,
      /forbidden/,
    );
    const many = Array.from({ length: 5000 }, (_, i) => `{"k${i}":[1]}`).join(',');
    expectRefused(
      await patch({ 'Content-Range': 'json .x' }, `[${many},{"constructor":1}]`),
      400,
      /forbidden/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a big content (parsed in turns) is refused with the same reasons, or applied', async () => {
    // 300 KB: past INCREMENTAL_PARSE_BYTES, so json/parseContentInTurns.ts parses it, not JSON.parse.
    const many = Array.from({ length: 20_000 }, (_, i) => `{"k${i}":[1]}`).join(',');
    expect(many.length).toBeGreaterThan(256 * 1024);
    const at = (content: string) => patch({ 'Content-Range': 'json .x' }, content);
    expectRefused(await at(`[${many},{"constructor":1}]`), 400, /forbidden key "constructor"/);
    expectRefused(await at(`[${many},${'['.repeat(100)}${']'.repeat(100)}]`), 400, /nested deeper than/);
    expectRefused(await at(`[${many},{"a":1,}]`), 400, /invalid JSON/);
    expectRefused(await at(`[${many}`), 400, /invalid JSON/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const res = await rawRequest(
      server.port,
      request('PATCH', '/doc', { Version: '"big-ok"', 'Content-Range': 'json .big' }, `[${many}]`),
    );
    expect(res.status).toBe(200);
    const { value } = await server.braid.get('/doc');
    expect((value as { big: unknown }).big).toEqual(JSON.parse(`[${many}]`));
    await rawRequest(server.port, request('PATCH', '/doc', { 'Content-Range': 'json .big' }, ''));
    before = structuredClone(await server.braid.get('/doc'));
  });

  it('an unknown range unit', async () => {
    expectRefused(await patch({ 'Content-Range': 'text [5:5]' }, ','), 400, /unknown range unit/);
  });

  it('all-or-nothing: one refused patch refuses the whole write', async () => {
    const body = patchesBody([
      { range: '.title', content: '"changed"' },
      { range: '.list[99]', content: '1' },
    ]);
    expectRefused(await patch({ Patches: '2' }, body), 400);
    const badSecond = patchesBody([
      { range: '.title', content: '"changed"' },
      { range: '.n', content: '{bad' },
    ]);
    expectRefused(await patch({ Patches: '2' }, badSecond), 400);
  });
});

describe('limits', () => {
  it('a body over the limit is refused from its Content-Length, before it is sent', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let out = '';
      socket.on('connect', () =>
        socket.write(`PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\n`),
      );
      socket.on('data', (d) => {
        out += d;
        if (out.includes('\r\n\r\n')) resolve(out);
      });
      socket.on('close', () => resolve(out));
    });
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/too large/);
  });

  it('a chunked body is counted as it arrives and refused once past the limit', async () => {
    // Its own server with a small body limit and the default body timeout: what is checked is the counting,
    // which must not race the 408 timer of the shared server on a loaded machine.
    const small = await startBraid({ limits: { maxBodyBytes: 64 * 1024 } }, (braid) =>
      braid.resource('/doc', { initial: {} }),
    );
    const socket = net.connect(small.port, '127.0.0.1');
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    try {
      const text = await new Promise<string>((resolve) => {
        let out = '';
        socket.on('connect', async () => {
          socket.write('PUT /doc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
          // Like curl, stop sending once an answer came back.
          for (let i = 0; i < 20 && out === '' && !socket.destroyed; i++) {
            socket.write(`${chunk.length.toString(16)}\r\n`);
            socket.write(chunk);
            socket.write('\r\n');
            sent += chunk.length;
            await sleep(5);
          }
        });
        socket.on('data', (d) => {
          out += d;
          if (out.includes('\r\n\r\n')) resolve(out);
        });
        socket.on('close', () => resolve(out));
        socket.on('error', () => {});
      });
      expect(text).toMatch(/^HTTP\/1\.1 413 /);
      // Refused once past the limit (64 KB), not after reading everything that was offered
      expect(sent).toBeLessThan(20 * chunk.length);
    } finally {
      socket.destroy();
      await small.stop();
    }
  });

  it('too many patches', async () => {
    expectRefused(await patch({ Patches: '1001' }, 'x'), 413, /too many patches/);
  });

  it('JSON nested too deep, and a range path too deep', async () => {
    const deep = `${'['.repeat(100)}1${']'.repeat(100)}`;
    expectRefused(await patch({ 'Content-Range': 'json .n' }, deep), 400, /deep/);
    // Objects and arrays mixed, past many shallow brackets (the parse walks only when brackets could nest).
    const mixed = `[${'[0],'.repeat(200)}${'{"a":['.repeat(40)}1${']}'.repeat(40)}]`;
    expectRefused(await patch({ 'Content-Range': 'json .n' }, mixed), 400, /deep/);
    const deepPath = `json ${'.a'.repeat(40)}`;
    expectRefused(await patch({ 'Content-Range': deepPath }, '1'), 400, /deep/);
  });

  it('Content-Type application/http-patches count disagreeing with Patches', async () => {
    const body = patchesBody([{ range: '.n', content: '5' }]);
    expectRefused(
      await patch({ Patches: '1', 'Content-Type': 'application/http-patches; count=2' }, body),
      400,
    );
  });
});

describe('routing and failures', () => {
  it('an unsupported method → 405 with Allow', async () => {
    const res = await rawRequest(server.port, request('DELETE', '/doc'));
    expectRefused(res, 405);
    expect(res.headers.allow).toMatch(/GET/);
  });

  it('a path with no resource → 404', async () => {
    expectRefused(await rawRequest(server.port, request('PUT', '/nope', {}, '{}')), 404);
  });

  it('a write the store failed to persist → 500, not applied; the next one works', async () => {
    failNextAppend = true;
    const res = await patch({ Version: '"lost"', 'Content-Range': 'json .n' }, '1234');
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/not applied/);
    // The version was never accepted, so a retry with the same Version is a new write, not a duplicate.
    expect((await rawRequest(server.port, request('GET', '/doc', { Version: '"lost"' }))).status).toBe(410);
  });

  it('a bug in a hook is answered, never a crash', async () => {
    const res = await rawRequest(
      server.port,
      request('PATCH', '/validated', { 'Content-Range': 'json .n' }, '13'),
    );
    expect(res.status).toBe(422);
    expect(
      (await rawRequest(server.port, request('PATCH', '/validated', { 'Content-Range': 'json .n' }, '12')))
        .status,
    ).toBe(200);
  });
});

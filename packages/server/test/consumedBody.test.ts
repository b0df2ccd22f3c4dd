// Issue 10 point 3: a request body that someone else already read is never taken as empty (or as whatever a
// parser left on req.body). Real Express 5 and Fastify 5 on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type BraidServer, braidPlugin, createBraidServer } from '../src/index';
import { rawRequest, request } from './helpers/rawHttp';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newBraid(): BraidServer {
  const braid = createBraidServer({ onError: () => {} });
  braid.resource('/doc', { initial: { x: 1, list: [1, 2] } });
  cleanups.push(() => braid.close());
  return braid;
}

async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

/** The writes a parser mounted first would ruin, each with the body type that makes it parse them. */
const WRITES: { what: string; headers: Record<string, string>; body: string }[] = [
  {
    what: 'form-encoded inline patch (urlencoded would store {"5":""})',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Range': 'json .x',
      Version: '"u1"',
    },
    body: '5',
  },
  {
    what: 'JSON inline patch',
    headers: { 'Content-Type': 'application/json', 'Content-Range': 'json .x', Version: '"j1"' },
    body: '7',
  },
  {
    what: 'JSON snapshot',
    headers: { 'Content-Type': 'application/json', Version: '"s1"' },
    body: '{"x":9}',
  },
];

async function expectRefusedAndUnchanged(port: number, braid: BraidServer) {
  const before = await braid.get('/doc');
  for (const write of WRITES) {
    const res = await rawRequest(port, request('PUT', '/doc', write.headers, write.body));
    expect(res.status, write.what).toBe(500);
    expect(res.text, write.what).toMatch(/read before braid-live could read it/);
    expect(res.text, write.what).toMatch(/Mount braid\.middleware before any body parser/);
  }
  expect(await braid.get('/doc')).toEqual(before);
  expect(await braid.history('/doc')).toEqual([]);
}

async function expectWritesApplied(port: number, braid: BraidServer) {
  for (const write of WRITES) {
    const res = await rawRequest(port, request('PUT', '/doc', write.headers, write.body));
    expect(res.status, `${write.what}: ${res.text}`).toBe(200);
  }
  expect((await braid.get('/doc')).value).toEqual({ x: 9 });
  expect((await braid.history('/doc')).map((e) => e.version)).toEqual(['s1', 'j1', 'u1']);
}

describe('Express 5', () => {
  it('braid.middleware mounted before the body parsers: every body form is applied as sent', async () => {
    const braid = newBraid();
    const app = express();
    app.use(braid.middleware);
    app.use(express.json(), express.urlencoded({ extended: false }));
    app.post('/api/echo', (req, res) => {
      res.json(req.body);
    });
    const port = await listen(app);
    await expectWritesApplied(port, braid);
    // The app's own routes still get their parsed bodies.
    const echo = await rawRequest(
      port,
      request('POST', '/api/echo', { 'Content-Type': 'application/json' }, '{"a":1}'),
    );
    expect(JSON.parse(echo.text)).toEqual({ a: 1 });
  });

  it('mounted after express.urlencoded() and express.json(): a clear 500 that says how to mount, nothing changed', async () => {
    const braid = newBraid();
    const app = express();
    // (strict: false, so that json parses the bare value 7 instead of refusing it itself)
    app.use(express.urlencoded({ extended: false }), express.json({ strict: false }));
    app.use(braid.middleware);
    const port = await listen(app);
    await expectRefusedAndUnchanged(port, braid);
  });

  it('mounted after express.raw(): bytes a parser read are not trusted either', async () => {
    const braid = newBraid();
    const app = express();
    app.use(express.raw({ type: '*/*' }));
    app.use(braid.middleware);
    const port = await listen(app);
    await expectRefusedAndUnchanged(port, braid);
  });

  it('a body read in part by someone else (fewer bytes than Content-Length) is refused', async () => {
    const braid = newBraid();
    const port = await listen((req, res) => {
      // Something takes the first chunk, then hands the request on.
      req.once('data', () => {
        req.pause();
        braid.handler(req, res);
        req.resume();
      });
    });
    const res = await rawRequest(
      port,
      request('PUT', '/doc', { 'Content-Range': 'json .x', Version: '"p1"' }, '12345'),
    );
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/0 of the 5 bytes of Content-Length arrived/);
    expect(await braid.history('/doc')).toEqual([]);
  });
});

describe('Fastify 5', () => {
  it('fastify.register(braidPlugin, { braid }): Braid writes go through; Fastify routes keep working', async () => {
    const braid = newBraid();
    const app = Fastify();
    await app.register(braidPlugin, { braid });
    app.post('/api/echo', async (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const port = (app.server.address() as AddressInfo).port;
    await expectWritesApplied(port, braid);
    // A multi-patch write (Fastify alone answers it 415).
    const multi = await rawRequest(
      port,
      request(
        'PATCH',
        '/doc',
        { Patches: '2', Version: '"m1"' },
        'Content-Length: 1\r\nContent-Range: json .y\r\n\r\n1\r\n\r\nContent-Length: 1\r\nContent-Range: json .z\r\n\r\n2\r\n\r\n',
      ),
    );
    expect(multi.status, multi.text).toBe(200);
    expect((await braid.get('/doc')).value).toEqual({ x: 9, y: 1, z: 2 });
    const echo = await rawRequest(
      port,
      request('POST', '/api/echo', { 'Content-Type': 'application/json' }, '{"a":1}'),
    );
    expect(JSON.parse(echo.text)).toEqual({ a: 1 });
    const missing = await rawRequest(port, request('GET', '/nothing-here'));
    expect(missing.status).toBe(404);
  });

  it('a plain Fastify route handing the raw request over: a clear 500, nothing changed', async () => {
    const braid = newBraid();
    const app = Fastify();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.all('/doc', (request, reply) => {
      reply.hijack();
      braid.handler(request.raw, reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const port = (app.server.address() as AddressInfo).port;
    await expectRefusedAndUnchanged(port, braid);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createBraidServer } from '../src/index';
import type { BraidServer } from '../src/types';
import { eventually } from './helpers/server';

// braid.fetch counts request bodies in maxBodyBytesInFlight as the Node handler does: many slow uploads at once
// hold the total, a write past it is answered the same 503 + Retry-After on both, and once the uploads are done
// or aborted every byte is given back (a write of maxBodyBytes goes through again).

const LIMITS = { maxBodyBytes: 800, maxBodyBytesInFlight: 1000, bodyTimeoutMs: 20_000 };

/** A JSON body of exactly `bytes` bytes. */
const body = (bytes: number) => JSON.stringify({ text: 'x'.repeat(bytes - 11) });

function newBraid(): BraidServer {
  return createBraidServer({ onError: () => {}, limits: LIMITS }).resource('/doc', {
    initial: { text: '' },
  });
}

interface Served {
  braid: BraidServer;
  origin: string;
  port: number;
  close(): Promise<void>;
}

async function nodeHandler(): Promise<Served> {
  const braid = newBraid();
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return served(braid, server);
}

async function fetchHandler(): Promise<Served> {
  const braid = newBraid();
  const server = await new Promise<http.Server>((resolve) => {
    const s = serve({ fetch: braid.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as http.Server));
  });
  return served(braid, server);
}

function served(braid: BraidServer, server: http.Server): Served {
  const port = (server.address() as AddressInfo).port;
  return {
    braid,
    port,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await braid.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A PUT whose body arrives as the test says: a first part now, the rest (or an abort) later. */
function slowUpload(port: number, full: string, { declared }: { declared: boolean }) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  const status = new Promise<number>((resolve) => {
    socket.on('data', (chunk) => {
      received += chunk;
      const match = received.match(/^HTTP\/1\.1 (\d{3})/);
      if (match) resolve(Number(match[1]));
    });
    socket.on('close', () => resolve(0));
  });
  socket.on('error', () => {});
  const half = full.length >> 1;
  const head = declared ? `Content-Length: ${Buffer.byteLength(full)}\r\n` : 'Transfer-Encoding: chunked\r\n';
  const frame = (part: string) => (declared ? part : `${part.length.toString(16)}\r\n${part}\r\n`);
  socket.write(
    `PUT /doc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${head}\r\n${frame(full.slice(0, half))}`,
  );
  return {
    status,
    finish: () => socket.write(frame(full.slice(half)) + (declared ? '' : '0\r\n\r\n')),
    abort: () => socket.destroy(),
  };
}

const put = (origin: string, text: string) =>
  fetch(`${origin}/doc`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: text });

/** What a refused write was answered, by handler: the two must be the same. */
const refusals: Record<string, { status: number; retryAfter: string | null; text: string }> = {};

describe.each([
  ['node', nodeHandler],
  ['fetch', fetchHandler],
])('%s handler: request bodies in flight', (kind, start) => {
  let server: Served;
  afterAll(() => server?.close());

  it('many slow bodies hold the total; a write past it is 503; done or aborted, every byte comes back', async () => {
    server = await start();
    // Ten uploads of 100 declared bytes each, half sent: together exactly the 1000 allowed.
    const slow = Array.from({ length: 10 }, () => slowUpload(server.port, body(100), { declared: true }));

    // Any more is refused before its body is read, with a reason and a Retry-After.
    const refused = (await eventually(async () => {
      const answer = await put(server.origin, body(20));
      return answer.status === 503 ? answer : undefined;
    }))!;
    const text = await refused.text();
    expect(text).toMatch(/maxBodyBytesInFlight 1000/);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    refusals[kind] = { status: refused.status, retryAfter: refused.headers.get('retry-after'), text };

    // A chunked body (no length to reserve up front) is refused as soon as its bytes do not fit.
    const chunked = slowUpload(server.port, body(200), { declared: false });
    expect(await chunked.status).toBe(503);

    // Half of the uploads are aborted by their clients, the other half complete and are applied.
    for (const upload of slow.slice(0, 5)) upload.abort();
    for (const upload of slow.slice(5)) upload.finish();
    expect(await Promise.all(slow.slice(5).map((upload) => upload.status))).toEqual([
      200, 200, 200, 200, 200,
    ]);
    chunked.abort();

    // Nothing leaked: a body of maxBodyBytes fits again (it would not with any aborted upload still counted).
    const biggest = body(LIMITS.maxBodyBytes);
    await eventually(async () => (await put(server.origin, biggest)).status === 200);
    expect((await server.braid.get<{ text: string }>('/doc')).value.text).toBe(JSON.parse(biggest).text);
  });
});

it('braid.fetch and the Node handler refuse the same way', () => {
  expect(refusals.fetch).toEqual(refusals.node);
  expect(refusals.fetch.status).toBe(503);
});

it('braid.fetch: bodies whose streams error or are cancelled mid-way give their bytes back', async () => {
  const braid = newBraid();
  try {
    const encoder = new TextEncoder();
    const controllers: ReadableStreamDefaultController<Uint8Array>[] = [];
    const slowRequest = (bytes: string) =>
      braid.fetch(
        new Request('http://127.0.0.1/doc', {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          duplex: 'half',
          body: new ReadableStream<Uint8Array>({
            start(controller) {
              controllers.push(controller);
              controller.enqueue(encoder.encode(bytes.slice(0, 50)));
            },
          }),
        } as RequestInit),
      );
    // Chunked-like bodies (no Content-Length): each holds what it sent, 5 × 200 = the whole total.
    const answers = Array.from({ length: 5 }, () => slowRequest(body(300)));
    await eventually(async () => controllers.length === 5);
    for (const controller of controllers) controller.enqueue(encoder.encode('x'.repeat(150)));
    // Once they are read, 20 more bytes do not fit.
    await eventually(
      async () =>
        (await braid.fetch(new Request('http://127.0.0.1/doc', { method: 'PUT', body: body(20) }))).status ===
        503,
    );
    // The client goes away: every stream errors; each read ends (400-class or 500-class) and gives back its bytes.
    for (const controller of controllers) controller.error(new Error('client went away'));
    for (const answer of await Promise.all(answers)) expect(answer.status).toBeGreaterThanOrEqual(400);
    const ok = await braid.fetch(
      new Request('http://127.0.0.1/doc', { method: 'PUT', body: body(LIMITS.maxBodyBytes) }),
    );
    expect(ok.status).toBe(200);
  } finally {
    await braid.close();
  }
});

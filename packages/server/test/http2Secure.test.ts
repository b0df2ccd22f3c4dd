// HTTP/2 over TLS (what browsers speak): the same handler on http2.createSecureServer (with HTTP/1.1 fallback).
// One connection carries any number of subscriptions, so no multiplexing is needed on top.
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createUpdateParser, type Update } from '@braid-live/core/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BraidServer, createBraidServer, memoryStore } from '../src/index';
import { eventually } from './helpers/server';

const tls = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));

let braid: BraidServer;
let server: http2.Http2SecureServer;
let session: http2.ClientHttp2Session;

beforeAll(async () => {
  braid = createBraidServer({ store: memoryStore() });
  braid.resource('/t/:n', { initial: (params) => ({ n: Number(params.n), price: 0 }) });
  server = http2.createSecureServer(
    { key: tls('key.pem'), cert: tls('cert.pem'), allowHTTP1: true },
    braid.handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  session = http2.connect(`https://localhost:${(server.address() as AddressInfo).port}`, {
    ca: tls('cert.pem'),
  });
});

afterAll(async () => {
  session.close();
  await braid.close();
  await new Promise((resolve) => server.close(resolve));
});

it('serves 50 subscriptions on one TLS HTTP/2 connection, each with its updates', async () => {
  const updates = new Map<number, Update[]>();
  const streams: http2.ClientHttp2Stream[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < 50; i++) {
    const list: Update[] = [];
    updates.set(i, list);
    const parser = createUpdateParser((u) => list.push(u));
    const stream = session.request({ ':path': `/t/${i}`, subscribe: 'true' });
    stream.on('response', (h) => statuses.push(Number(h[':status'])));
    stream.on('data', (chunk: Buffer) => parser.push(chunk));
    streams.push(stream);
  }
  await eventually(() => [...updates.values()].every((l) => l.length === 1), 5000, 'the snapshots');
  expect(statuses.every((s) => s === 209)).toBe(true);
  for (let i = 0; i < 50; i++) await braid.patch(`/t/${i}`, (d: { price: number }) => void (d.price = i));
  await eventually(() => [...updates.values()].every((l) => l.length === 2), 5000, 'the updates');
  const last = updates.get(49)![1];
  expect(last.patches?.map((p) => [p.range, Buffer.from(p.content).toString()])).toEqual([['.price', '49']]);
  expect(braid.stats().subscribers).toBe(50);
  for (const s of streams) s.close();
  await eventually(() => braid.stats().subscribers === 0, 5000, 'the streams to close');
});

it('still answers HTTP/1.1 clients on the same port (allowHTTP1)', async () => {
  const port = (server.address() as AddressInfo).port;
  const https = await import('node:https');
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`https://localhost:${port}/t/3`, { ca: tls('cert.pem') }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  expect(JSON.parse(body)).toEqual({ n: 3, price: 3 });
});

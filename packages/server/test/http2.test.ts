import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createUpdateParser, type Update } from '@braid-live/core/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BraidServer, createBraidServer, memoryStore } from '../src/index';
import { eventually } from './helpers/server';

// The same handler on node:http2's compatibility API (h2c on loopback): GET, a subscription stream, a write.

let braid: BraidServer;
let server: http2.Http2Server;
let client: http2.ClientHttp2Session;

beforeAll(async () => {
  braid = createBraidServer({ store: memoryStore() });
  braid.resource('/doc', { initial: { n: 0 } });
  server = http2.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  client.close();
  await braid.close();
  await new Promise((resolve) => server.close(resolve));
});

function exchange(headers: http2.OutgoingHttpHeaders, body?: string | Buffer) {
  return new Promise<{ status: number; headers: http2.IncomingHttpHeaders; text: string }>(
    (resolve, reject) => {
      const stream = client.request(headers);
      let text = '';
      let responseHeaders: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (d) => (text += d));
      stream.on('end', () =>
        resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, text }),
      );
      stream.on('error', reject);
      stream.end(body);
    },
  );
}

it('serves GET, subscriptions and writes over HTTP/2', async () => {
  const get = await exchange({ ':path': '/doc' });
  expect(get.status).toBe(200);
  expect(JSON.parse(get.text)).toEqual({ n: 0 });

  const updates: Update[] = [];
  const parser = createUpdateParser((u) => updates.push(u));
  const sub = client.request({ ':path': '/doc', subscribe: 'true' });
  let status = 0;
  sub.on('response', (h) => (status = Number(h[':status'])));
  sub.on('data', (d: Buffer) => parser.push(new Uint8Array(d)));
  await eventually(() => updates.length === 1, 5000, 'the snapshot');
  expect(status).toBe(209);

  const put = await exchange(
    { ':path': '/doc', ':method': 'PATCH', version: '"h2-1"', 'content-range': 'json .n' },
    '42',
  );
  expect(put.status).toBe(200);
  expect(put.headers.version).toBe('"h2-1"');
  await eventually(() => updates.length === 2, 5000, 'the patch update');
  expect(updates[1].version).toEqual(['h2-1']);
  sub.close();
  await eventually(() => braid.stats().subscribers === 0, 5000, 'the stream to close');
});

it('answers a body over maxBodyBytes 413 on its stream, drains it at its pace, and the session serves on', async () => {
  const big = Buffer.alloc(8 * 1024 * 1024 + 1, 0x31);
  const refused = await exchange(
    { ':path': '/doc', ':method': 'PUT', 'content-range': 'json .n', 'content-length': String(big.length) },
    big,
  );
  expect(refused.status).toBe(413);
  expect(refused.text).toMatch(/request body too large/);
  const get = await exchange({ ':path': '/doc' });
  expect(get.status).toBe(200);
  expect(client.closed || client.destroyed).toBe(false);
});

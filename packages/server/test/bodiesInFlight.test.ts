import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawExchange, request } from './helpers/rawHttp';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

// The bytes of request bodies being received are bounded across the server: while slow uploads hold the
// total, another write is answered 503 + Retry-After before its body is read; once they end, writes go through.

let server: RunningBraid;
beforeAll(async () => {
  server = await startBraid({ limits: { maxBodyBytes: 800, maxBodyBytesInFlight: 1000 } }, (braid) =>
    braid.resource('/doc', { initial: { text: '' } }),
  );
});
afterAll(() => server.stop());

const body = (n: number) => JSON.stringify({ text: 'x'.repeat(n - 13) });

it('refuses a body past maxBodyBytesInFlight with 503 + Retry-After while others are being received', async () => {
  // A slow upload: it declares 800 bytes and sends half of them.
  const slow = net.connect(server.port, '127.0.0.1');
  const answer = new Promise<string>((resolve) => {
    let text = '';
    slow.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) resolve(text);
    });
  });
  const full = request('PUT', '/doc', {}, body(800));
  await new Promise<void>((resolve) => slow.write(full.subarray(0, full.length - 400), () => resolve()));
  await eventually(async () => {
    const [refused] = await rawExchange(server.port, request('PUT', '/doc', {}, body(300)));
    if (refused.status !== 503) return false;
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toMatch(/maxBodyBytesInFlight 1000/);
    return true;
  });
  // The slow upload completes and is applied; its bytes are given back, and the next write goes through.
  slow.write(full.subarray(full.length - 400));
  expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
  slow.destroy();
  const [after] = await rawExchange(server.port, request('PUT', '/doc', {}, body(300)));
  expect(after.status).toBe(200);
  expect(((await server.braid.get('/doc')).value as { text: string }).text).toHaveLength(300 - 13);
});

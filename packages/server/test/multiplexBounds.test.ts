import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBraidServer } from '../src/index';
import type { BraidLimits } from '../src/limits';
import { rawExchange, request } from './helpers/rawHttp';
import { openRawStream } from './helpers/rawMultiplexStream';
import { eventually, type RunningBraid, sleep, startBraid } from './helpers/server';

// Multiplexers are bounded: in number (server-wide and per client connection), in the responses each one
// carries, and in time when they carry nothing.

const running: RunningBraid[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function start(limits: Partial<BraidLimits>) {
  const server = await startBraid({ limits }, (braid) => braid.resource('/r/:i', { initial: { n: 0 } }));
  running.push(server);
  return server;
}

const MUX = { 'Multiplex-Version': '1.0' };

async function openMux(server: RunningBraid, id: string) {
  const stream = await openRawStream(server.port, request('POST', `/.well-known/multiplexer/${id}`, MUX));
  cleanups.push(() => void stream.close());
  return stream;
}

async function subscribeThrough(server: RunningBraid, mux: string, id: string, path = '/r/1') {
  const [answer] = await rawExchange(
    server.port,
    request('GET', path, {
      Subscribe: 'true',
      ...MUX,
      'Multiplex-Through': `/.well-known/multiplexer/${mux}/${id}`,
    }),
  );
  return answer;
}

describe('multiplexer bounds', () => {
  it('refuses a multiplexer past maxMultiplexers with 503 + Retry-After', async () => {
    const server = await start({ maxMultiplexers: 1 });
    expect((await openMux(server, 'm1')).status).toBe(200);
    const [refused] = await rawExchange(server.port, request('POST', '/.well-known/multiplexer/m2', MUX));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toMatch(/too many multiplexers \(limit 1\)/);
  });

  it('refuses a response past maxStreamsPerMultiplexer with 429, and keeps serving the others', async () => {
    const server = await start({ maxStreamsPerMultiplexer: 2 });
    const mux = await openMux(server, 'm1');
    expect((await subscribeThrough(server, 'm1', 'a', '/r/1')).status).toBe(293);
    expect((await subscribeThrough(server, 'm1', 'b', '/r/2')).status).toBe(293);
    const refused = await subscribeThrough(server, 'm1', 'c', '/r/3');
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/too many responses on this multiplexer \(limit 2\)/);
    await server.braid.patch('/r/2', (draft: { n: number }) => void (draft.n = 5));
    await mux.demuxed((responses) => responses.get('b')?.updates.some((u) => u.patches?.length) ?? false);
  });

  it('refuses a multiplexer past maxMultiplexersPerConnection on one HTTP/2 connection with 429', async () => {
    const braid = createBraidServer({ onError: () => {}, limits: { maxMultiplexersPerConnection: 2 } });
    const server = http2.createServer(braid.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sessions = [http2.connect(origin), http2.connect(origin)];
    cleanups.push(async () => {
      await braid.close();
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const post = (session: http2.ClientHttp2Session, id: string) =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': `/.well-known/multiplexer/${id}`,
          ...MUX,
        });
        stream.on('response', (headers) => resolve(Number(headers[':status'])));
        stream.on('error', reject);
        stream.end();
      });
    expect(await post(sessions[0], 'a1')).toBe(200);
    expect(await post(sessions[0], 'a2')).toBe(200);
    expect(await post(sessions[0], 'a3')).toBe(429);
    // Another connection has its own count.
    expect(await post(sessions[1], 'b1')).toBe(200);
    expect(braid.stats().multiplexers).toBe(3);
  });

  it('closes a multiplexer that carries no response for multiplexerIdleMs, not one that carries some', async () => {
    const server = await start({ multiplexerIdleMs: 200 });
    await openMux(server, 'unused');
    const busy = await openMux(server, 'busy');
    expect((await subscribeThrough(server, 'busy', 'a')).status).toBe(293);
    await eventually(() => server.braid.stats().multiplexers === 1, 5000, 'the unused multiplexer to close');
    // The busy one outlives several idle periods…
    await sleep(700);
    expect(server.braid.stats().multiplexers).toBe(1);
    // …until its last response ends: then it is idle too.
    const [deleted] = await rawExchange(
      server.port,
      request('DELETE', '/.well-known/multiplexer/busy/a', MUX),
    );
    expect(deleted.status).toBe(200);
    await eventually(() => server.braid.stats().multiplexers === 0, 5000, 'the busy multiplexer to close');
    void busy;
  });
});

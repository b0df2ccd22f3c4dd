import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { memoryStore } from '../src/index';
import { RawSubscriber } from './helpers/rawSubscriber';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

// A subscriber that stops reading must not make the server buffer without bound, nor delay the others: once
// the bytes waiting for it pass the limit it is disconnected (it would resume later with Parents).

const LIMIT = 256 * 1024;
const BLOB = 64 * 1024; // each update carries a 64 KB string
const UPDATES = 300; // ~19 MB in all: far more than the kernel buffers of a loopback connection hold

let server: RunningBraid;
beforeAll(async () => {
  server = await startBraid(
    { store: memoryStore(), limits: { maxBufferedBytesPerSubscriber: LIMIT, maxHistory: 20 } },
    (braid) => braid.resource('/big', { initial: { n: 0, blob: '' } }),
  );
});
afterAll(() => server.stop());

it('a subscriber that never reads is cut off with bounded buffering, and the others are not delayed', async () => {
  const fast = await RawSubscriber.open(server.port, '/big');
  await fast.waitForUpdates(1);

  // The slow one: subscribes, reads the response head, then never reads again.
  const slow = net.connect(server.port, '127.0.0.1');
  let slowClosed = false;
  slow.on('close', () => (slowClosed = true));
  slow.on('error', () => {});
  await new Promise<void>((resolve) => {
    slow.once('data', () => {
      slow.pause();
      resolve();
    });
    slow.write('GET /big HTTP/1.1\r\nHost: x\r\nSubscribe: true\r\n\r\n');
  });
  expect(server.braid.stats().subscribers).toBe(2);

  const lags: number[] = [];
  let lastVersion = '';
  for (let i = 1; i <= UPDATES; i++) {
    // Writes arrive as I/O events in real life: let the event loop turn between them (the fast reader reads).
    await new Promise((resolve) => setImmediate(resolve));
    const written = Date.now();
    lastVersion = await server.braid.patch('/big', (d: { n: number; blob: string }) => {
      d.n = i;
      d.blob = String.fromCharCode(97 + (i % 26)).repeat(BLOB);
    });
    if (i % 50 === 0) {
      await fast.waitForVersion(lastVersion, 5000);
      lags.push(Date.now() - written);
    }
  }
  await fast.waitForVersion(lastVersion, 5000);

  const stats = server.braid.stats();
  // The slow subscriber was cut off…
  expect(stats.cutOffs).toBe(1);
  expect(stats.subscribers).toBe(1);
  // …before the server held more than the limit (plus at most the update that would have passed it) for it.
  expect(stats.peakBufferedBytes).toBeLessThanOrEqual(LIMIT + BLOB + 1024);
  // The fast one got every version, in order, without waiting on the slow one.
  expect(fast.updates).toHaveLength(UPDATES + 1);
  expect(fast.closed).toBe(false);
  expect(fast.value).toEqual((await server.braid.get('/big')).value);
  expect(Math.max(...lags)).toBeLessThan(1000);

  // The slow client, once it reads again, finds its connection ended.
  slow.resume();
  slow.on('data', () => {});
  await eventually(() => slowClosed, 5000, 'the slow connection to end');

  // It resumes with Parents (its version is long gone from the 20-version history: it gets a snapshot).
  const resumed = await RawSubscriber.open(server.port, '/big', { Parents: '"gone-version"' });
  await resumed.waitForUpdates(1);
  expect(resumed.value).toEqual((await server.braid.get('/big')).value);
  resumed.close();
  fast.close();
}, 60_000);

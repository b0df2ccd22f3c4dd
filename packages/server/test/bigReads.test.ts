import { afterAll, beforeAll, expect, it } from 'vitest';
import { countLoopIterations } from './helpers/loopTurns';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, startBraid } from './helpers/server';

// A read of a big document (a GET, a new subscription's snapshot) makes its JSON in steps that give the event
// loop back, rather than in one JSON.stringify that holds every other client (25–40 ms for 2.8 MB here).

const items = Array.from({ length: 200_000 }, (_, i) => ({ id: i, done: i % 3 === 0 }));
let server: RunningBraid;

beforeAll(async () => {
  server = await startBraid({}, (braid) => braid.resource('/big', { initial: { items } }));
});
afterAll(() => server.stop());

/**
 * Loop iterations (counted by a self-rescheduling immediate, which runs once per iteration) between the server
 * receiving a request and writing its response head: 0 when the answer is made in one piece.
 */
async function iterationsWhileHandled<T>(
  work: () => Promise<T>,
): Promise<{ result: T; iterations: number[] }> {
  const loop = countLoopIterations();
  const iterations: number[] = [];
  const onRequest = (_req: unknown, res: { writeHead: (...args: unknown[]) => unknown }) => {
    const received = loop.count;
    const writeHead = res.writeHead;
    res.writeHead = function (this: unknown, ...args: unknown[]) {
      iterations.push(loop.count - received);
      return writeHead.apply(this, args);
    };
  };
  server.http.on('request', onRequest);
  try {
    return { result: await work(), iterations };
  } finally {
    loop.stop();
    server.http.off('request', onRequest);
  }
}

it('answers a GET of a big document with exactly its JSON, made while other work goes on', async () => {
  const { result, iterations } = await iterationsWhileHandled(async () => {
    // Two at once share one making.
    const [a, b] = await Promise.all([fetch(`${server.origin}/big`), fetch(`${server.origin}/big`)]);
    return [await a.text(), await b.text()];
  });
  const json = JSON.stringify({ items });
  expect(result[0] === json && result[1] === json).toBe(true);
  expect(iterations).toHaveLength(2);
  expect(Math.min(...iterations)).toBeGreaterThan(2);
});

it('sends a new subscriber the snapshot of the head, made in steps, and a resume only what it missed', async () => {
  const write = await fetch(`${server.origin}/big`, {
    method: 'PUT',
    headers: { Version: '"w1"', 'Content-Range': 'json .items[0].done' },
    body: 'true',
  });
  expect(write.status).toBe(200);
  const { result: fresh, iterations } = await iterationsWhileHandled(async () => {
    const subscriber = await RawSubscriber.open(server.port, '/big');
    await subscriber.waitForVersion('w1', 20_000);
    return subscriber;
  });
  expect(fresh.updates).toHaveLength(1);
  expect(fresh.value).toEqual({ items: [{ id: 0, done: true }, ...items.slice(1)] });
  expect(iterations).toHaveLength(1);
  expect(iterations[0]).toBeGreaterThan(2);
  fresh.socket.destroy();

  const resumed = await RawSubscriber.open(server.port, '/big', { Parents: '"w1"' });
  const next = await fetch(`${server.origin}/big`, {
    method: 'PUT',
    headers: { Version: '"w2"', Parents: '"w1"', 'Content-Range': 'json .items[1].done' },
    body: 'true',
  });
  expect(next.status).toBe(200);
  await resumed.waitForUpdates(1);
  expect(resumed.updates[0].patches?.length).toBe(1);
  resumed.socket.destroy();
});

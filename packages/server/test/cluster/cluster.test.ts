import { BraidClient } from '@braid-live/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng as random } from '../../../core/test/random';
import { failoverFetch, type NodeProcess, startNodeProcess } from '../helpers/clusterNodes';
import { patchesBody, RACE_INITIAL, type RaceDoc, randomWrite } from '../helpers/randomWrites';
import { type RawResponse, rawRequest, request } from '../helpers/rawHttp';
import { RawSubscriber } from '../helpers/rawSubscriber';
import { RedisServer } from '../helpers/redisServer';
import { eventually, sleep } from '../helpers/server';

// Three server nodes, each its own process, on one real redis-server (AOF, appendfsync always). The tests run
// in order on the same nodes: random concurrent edits, then a Redis SIGKILL, then a node SIGKILL.

const redis = new RedisServer();
let nodes: NodeProcess[] = [];

beforeAll(async () => {
  await redis.start();
  nodes = await Promise.all([0, 1, 2].map(() => startNodeProcess(redis.url)));
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.kill();
  await redis.destroy();
});

async function getJson(
  port: number,
  path: string,
): Promise<{ status: number; version?: string; value?: unknown }> {
  try {
    const res = await rawRequest(port, request('GET', path));
    if (res.status !== 200) return { status: res.status };
    return { status: 200, version: res.headers.version, value: JSON.parse(res.text) };
  } catch {
    return { status: 0 };
  }
}

/** The same value (and version) on every node given, once they all answer. */
async function agreedValue(ports: number[], path: string): Promise<unknown> {
  return eventually(
    async () => {
      const all = await Promise.all(ports.map((port) => getJson(port, path)));
      if (all.some((r) => r.status !== 200)) return undefined;
      const first = JSON.stringify(all[0]);
      return all.every((r) => JSON.stringify(r) === first) ? all[0].value : undefined;
    },
    15_000,
    `every node to agree on ${path}`,
  );
}

interface Attempt {
  sentAt: number;
  doneAt: number;
  status: number;
  retryAfter?: string;
}

/**
 * Appends `<tag>-<n>` to /log, n = 0, 1, …, until `count` are acknowledged, each retried with the same Version
 * until it is (503, a dead node: move to the next node). Records every attempt.
 */
async function logWriter(tag: string, ports: () => number[], start: number, count: number) {
  const acked: string[] = [];
  const attempts: Attempt[] = [];
  let at = start;
  for (let n = 0; n < count; n++) {
    const entry = `${tag}-${n}`;
    for (;;) {
      const port = ports()[at % ports().length];
      const sentAt = Date.now();
      let res: RawResponse | undefined;
      try {
        res = await rawRequest(
          port,
          request(
            'PUT',
            '/log',
            { Version: JSON.stringify(entry), 'Content-Range': 'json .log[-0:-0]' },
            JSON.stringify([entry]),
          ),
          3_000,
        );
      } catch {
        at++; // the node is gone: another one
      }
      attempts.push({
        sentAt,
        doneAt: Date.now(),
        status: res?.status ?? 0,
        retryAfter: res?.headers['retry-after'],
      });
      if (res?.status === 200) break;
      if (res && res.status !== 503) throw new Error(`${entry}: ${res.status} ${res.text}`);
      await sleep(20);
    }
    acked.push(entry);
  }
  return { acked, attempts };
}

/** Every acknowledged entry is in the log exactly once, and each writer's entries are in its order. */
function expectAllAcked(log: string[], writers: { tag: string; acked: string[] }[]): void {
  for (const { tag, acked } of writers) {
    for (const entry of acked) expect(log.filter((e) => e === entry)).toHaveLength(1);
    const mine = log.filter((e) => e.startsWith(`${tag}-`)).map((e) => Number(e.slice(tag.length + 1)));
    expect(mine).toEqual([...mine].sort((a, b) => a - b));
  }
}

describe('three nodes on one Redis', () => {
  it('clients on different nodes make random concurrent edits (stale Parents): all end equal to every node', async () => {
    const subscribers = await Promise.all(nodes.map((node) => RawSubscriber.open(node.port, '/race')));
    const WRITERS = 6;
    const WRITES = 20;
    const writer = async (index: number) => {
      const node = nodes[index % 3];
      const rnd = random(4321 + index);
      let base = { version: 'v0', value: RACE_INITIAL };
      for (let n = 0; n < WRITES; n++) {
        if (n % 4 === 3) {
          const head = await getJson(node.port, '/race');
          base = { version: JSON.parse(head.version ?? '"v0"'), value: head.value as RaceDoc };
        }
        const patches = randomWrite(base.value, rnd, index);
        const headers = {
          Version: `"r${index}-${n}"`,
          Parents: JSON.stringify(base.version),
          Patches: String(patches.length),
        };
        for (;;) {
          const res = await rawRequest(node.port, request('PATCH', '/race', headers, patchesBody(patches)));
          if (res.status === 200) break;
          // Lost the race too often: the server says when to retry (the same Version: applied once).
          if (res.status !== 503 || !res.headers['retry-after']) throw new Error(`${res.status} ${res.text}`);
          await sleep(10);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));

    const value = await agreedValue(
      nodes.map((n) => n.port),
      '/race',
    );
    const total = WRITERS * WRITES;
    // (Followers lag the writers' acks; on a loaded machine by seconds. A cut subscription is a failure of its
    // own: it would never catch up.)
    const counts = () =>
      subscribers.map((sub) => `${sub.updates.length}${sub.closed ? ' (cut)' : ''}`).join(', ');
    await eventually(
      () => {
        if (subscribers.some((sub) => sub.closed)) throw new Error(`a subscription was cut: ${counts()}`);
        return subscribers.every((sub) => sub.updates.length === 1 + total);
      },
      30_000,
      `every version on every node (${1 + total} updates each)`,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; got ${counts()}`);
    });
    for (const sub of subscribers) expect(sub.value).toEqual(value);
    // One order for everyone: the subscribers of all three nodes saw the same versions in the same order.
    const order = subscribers[0].updates.map((u) => u.version[0]);
    for (const sub of subscribers) expect(sub.updates.map((u) => u.version[0])).toEqual(order);
    expect(new Set(order.slice(1)).size).toBe(total);
    for (const sub of subscribers) sub.close();
  }, 60_000);

  it('Redis SIGKILLed and restarted from its AOF: every acknowledged write is there, outage writes got 503 + Retry-After, nodes catch up', async () => {
    const ports = () => nodes.map((n) => n.port);
    const subscribers = await Promise.all(nodes.map((node) => RawSubscriber.open(node.port, '/log')));
    const writers = ['a', 'b', 'c'].map((tag, i) => ({ tag, run: logWriter(tag, ports, i, 30) }));
    await eventually(() => nodes.length && writersAcked() >= 15, 10_000, 'writes before the outage');
    function writersAcked(): number {
      return subscribers[0].updates.length - 1;
    }
    await redis.kill();
    const outageFrom = Date.now();
    // Every node tells its subscribers instead of leaving them open on a log it no longer hears.
    for (const sub of subscribers) await eventually(() => sub.closed, 5_000, 'subscribers to be ended');
    await sleep(600);
    const outageTo = Date.now();
    await redis.restart();
    const results = await Promise.all(writers.map((w) => w.run));

    const during = results
      .flatMap((r) => r.attempts)
      .filter((a) => a.sentAt > outageFrom && a.doneAt < outageTo);
    expect(during.length).toBeGreaterThan(0);
    for (const attempt of during) {
      expect(attempt.status).toBe(503);
      expect(attempt.retryAfter).toBeDefined();
    }
    const value = (await agreedValue(ports(), '/log')) as { log: string[] };
    expectAllAcked(
      value.log,
      writers.map((w, i) => ({ tag: w.tag, acked: results[i].acked })),
    );
    expect(results.flatMap((r) => r.acked)).toHaveLength(90);
  }, 60_000);

  it('a node SIGKILLed during writes: every acknowledged version is there in order; its client resumes on another node', async () => {
    const origins = nodes.map((n) => n.origin);
    const balancer = failoverFetch(origins, 0);
    const client = new BraidClient({
      fetch: balancer.fetch,
      baseUrl: origins[0],
      retry: { baseMs: 50, maxMs: 200 },
    });
    const doc = client.resource<{ log: string[] }>('/log');
    const stop = doc.subscribe(() => {});
    await doc.ready;

    const alive = [...nodes];
    const ports = () => alive.map((n) => n.port);
    const writers = ['k', 'l', 'm'].map((tag, i) => ({ tag, run: logWriter(tag, ports, i, 25) }));
    await eventually(
      () => (doc.getSnapshot()?.log.filter((e) => /^[klm]-/.test(e)).length ?? 0) >= 10,
      10_000,
      'writes',
    );
    const killed = alive.shift()!;
    await killed.kill();
    const results = await Promise.all(writers.map((w) => w.run));

    const value = (await agreedValue(ports(), '/log')) as { log: string[] };
    expectAllAcked(
      value.log,
      writers.map((w, i) => ({ tag: w.tag, acked: results[i].acked })),
    );

    // The client of the killed node moved to another one, resuming from the version it had (Parents).
    await eventually(
      () => JSON.stringify(doc.getSnapshot()) === JSON.stringify(value),
      10_000,
      'the client to catch up',
    );
    const resumed = balancer.requests.filter((r) => r.origin !== killed.origin && r.headers.has('subscribe'));
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed[0].headers.get('parents')).toBeTruthy();
    // And it writes there.
    doc.set((d) => {
      d.log.push('from-the-moved-client');
    });
    await eventually(
      async () => {
        const all = await Promise.all(ports().map((p) => getJson(p, '/log')));
        return all.every((r) =>
          (r.value as { log: string[] } | undefined)?.log.includes('from-the-moved-client'),
        );
      },
      10_000,
      'the moved client write on every node',
    );
    stop();
    client.close();
  }, 60_000);
});

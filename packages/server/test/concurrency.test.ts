import { applyJsonPatches } from '@braid-live/core/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rng as random } from '../../core/test/random';
import { memoryStore } from '../src/index';
import {
  type RaceDoc as Doc,
  RACE_INITIAL as INITIAL,
  patchesBody,
  randomWrite,
} from './helpers/randomWrites';
import { rawRequest, request } from './helpers/rawHttp';
import { RawSubscriber } from './helpers/rawSubscriber';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

// 5 writers race on one resource, each writing several times on top of a version it read earlier (stale
// Parents), with object keys, array inserts/deletes and string splices (code points, incl. astral ones).
// The server transforms every write over what it accepted since its Parents. In the end every subscriber
// must hold exactly the server's value, and that value must be the sequential application of the server's
// own history.

const WRITERS = 5;
const WRITES_PER_WRITER = 40;
const REFRESH_EVERY = 4; // a writer re-reads the head only every 4 writes: the others are stale

let server: RunningBraid;
const subscribers: RawSubscriber[] = [];
/** The Parents each write was sent with, by Version. */
const sentParents = new Map<string, string>();

beforeAll(async () => {
  server = await startBraid({ store: memoryStore() }, (braid) =>
    braid.resource('/race', { initial: INITIAL, initialVersion: 'v0' }),
  );
  for (let i = 0; i < 3; i++) {
    const sub = await RawSubscriber.open(server.port, '/race');
    await sub.waitForUpdates(1);
    subscribers.push(sub);
  }
});

afterAll(async () => {
  for (const sub of subscribers) sub.close();
  await server.stop();
});

async function readHead(): Promise<{ version: string; value: Doc }> {
  const res = await rawRequest(server.port, request('GET', '/race'));
  return { version: JSON.parse(res.headers.version ?? '"v0"'), value: JSON.parse(res.text) };
}

async function writer(index: number): Promise<number[]> {
  const rnd = random(1234 + index);
  const statuses: number[] = [];
  let base = { version: 'v0', value: INITIAL };
  for (let n = 0; n < WRITES_PER_WRITER; n++) {
    if (n % REFRESH_EVERY === REFRESH_EVERY - 1) base = await readHead();
    const patches = randomWrite(base.value, rnd, index);
    sentParents.set(`w${index}-${n}`, base.version);
    const res = await rawRequest(
      server.port,
      request(
        'PATCH',
        '/race',
        {
          Version: `"w${index}-${n}"`,
          Parents: JSON.stringify(base.version),
          Patches: String(patches.length),
        },
        patchesBody(patches),
      ),
    );
    if (res.status !== 200) throw new Error(`writer ${index} write ${n}: ${res.status} ${res.text}`);
    statuses.push(res.status);
  }
  return statuses;
}

it('5 writers with stale Parents: every subscriber ends with the server value, which is its history replayed', async () => {
  const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));
  expect(results.flat()).toHaveLength(WRITERS * WRITES_PER_WRITER);

  const head = await server.braid.get('/race');
  const history = await server.braid.history('/race');
  expect(history).toHaveLength(WRITERS * WRITES_PER_WRITER);

  // The server's value is the sequential application of its own history, oldest first, from the initial value.
  const oldestFirst = [...history].reverse();
  expect(oldestFirst[0].parents).toEqual(['v0']);
  for (let i = 1; i < oldestFirst.length; i++)
    expect(oldestFirst[i].parents).toEqual([oldestFirst[i - 1].version]);
  const replayed = oldestFirst.reduce<unknown>((doc, entry) => applyJsonPatches(doc, entry.patches), INITIAL);
  expect(replayed).toEqual(head.value);

  // Every subscriber received every version, in the server's order, and holds exactly the server's value.
  const headVersion = head.version[0];
  for (const sub of subscribers) {
    await eventually(() => sub.version[0] === headVersion, 10_000, 'the subscriber to reach the head');
    expect(sub.error).toBeUndefined();
    expect(sub.updates.slice(1).map((u) => u.version[0])).toEqual(oldestFirst.map((e) => e.version));
    expect(sub.value).toEqual(head.value);
  }
  // The race really happened: most writes were based on an older version than the one they landed on.
  const stale = oldestFirst.filter(
    (e, i) => sentParents.get(e.version) !== (i === 0 ? 'v0' : oldestFirst[i - 1].version),
  );
  expect(stale.length).toBeGreaterThan(WRITERS * WRITES_PER_WRITER * 0.5);
}, 60_000);

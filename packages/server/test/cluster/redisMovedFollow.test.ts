// A node's append that lost the race to another node is refused with the versions it missed
// (HeadMovedError). Its follow of the log must still deliver them: a caller that gives up on the write (the
// bound of attempts: 503 write-contention) does not take them in, and the follow used to skip them, as
// "this node has them already" — the next version then came after a gap, and the resource reloaded,
// cutting every subscription and forgetting its writers' own states (their next PUTs 309 until they failed).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HeadMovedError, type SeqRecord } from '../../src/cluster/sharedLog';
import { type RedisStore, redisStore } from '../../src/redis';
import type { VersionRecord } from '../../src/store/types';
import { RedisServer } from '../helpers/redisServer';
import { eventually } from '../helpers/server';

const redis = new RedisServer();
let a: RedisStore;
let b: RedisStore;

beforeAll(async () => {
  await redis.start();
  a = redisStore({ url: redis.url, keyPrefix: 'moved:', onError: () => {} });
  b = redisStore({ url: redis.url, keyPrefix: 'moved:', onError: () => {} });
}, 30_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis.destroy();
});

const record = (version: string): VersionRecord => ({
  version,
  parents: [],
  patches: [{ range: '.n', content: 1 }],
  time: 0,
});

it('versions a lost append was told about still reach the node through its follow', async () => {
  // Several resources: whether the follow read them before the refusal came back is a race; each one must
  // end with every version delivered once, in order.
  for (let i = 0; i < 10; i++) {
    const path = `/r${i}`;
    await a.load(path);
    await b.load(path);
    await b.shared.appendAt(path, 0, record(`b${i}-1`), 'd1');
    await b.shared.appendAt(path, 1, record(`b${i}-2`), 'd2');
    const delivered: number[] = [];
    a.shared.follow(path, {
      onVersions: (versions: readonly SeqRecord[]) => delivered.push(...versions.map((v) => v.seq)),
      onLost: () => {},
      onReset: () => {},
    });
    // a appends on the state it loaded: refused, with what it missed — which it does not take in.
    await expect(a.shared.appendAt(path, 0, record(`a${i}-1`), 'da')).rejects.toBeInstanceOf(HeadMovedError);
    await b.shared.appendAt(path, 2, record(`b${i}-3`), 'd3');
    await eventually(() => delivered.includes(3), 10_000, `${path}: version 3 to reach a`);
    expect(delivered, path).toEqual([1, 2, 3]);
  }
});

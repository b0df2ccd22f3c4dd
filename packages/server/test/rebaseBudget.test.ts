// The transform budget: a stale write whose rebase over the versions since its Parents would cost more than
// `maxRebaseWork` is answered 409 before any transform (nothing changes); within the budget it is transformed.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../src/index';
import { type RunningBraid, startBraid } from './helpers/server';

let running: RunningBraid | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(maxRebaseWork?: number) {
  running = await startBraid(
    { store: memoryStore(), limits: maxRebaseWork === undefined ? {} : { maxRebaseWork } },
    (braid) => braid.resource('/doc', { initial: { list: [] as number[], keys: {} }, initialVersion: 'v0' }),
  );
  return running;
}

/** One write of `count` key patches (`Patches: N`), with the Version and Parents given. */
function write(server: RunningBraid, version: string, parents: string, keys: string[]) {
  const body = keys.map((k, i) => {
    const content = JSON.stringify(i);
    return `Content-Length: ${content.length}\r\nContent-Range: json .keys.${k}\r\n\r\n${content}\r\n`;
  });
  return fetch(`${server.origin}/doc`, {
    method: 'PUT',
    headers: {
      Version: JSON.stringify(version),
      Parents: JSON.stringify(parents),
      Patches: String(keys.length),
    },
    body: body.join(''),
  });
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('maxRebaseWork', () => {
  it('answers 409 with the figures, before any transform, and changes nothing', async () => {
    const server = await start(100);
    // Three versions of 10 patches after v0: a 5-patch write based on v0 costs 5 × 30 = 150 > 100.
    for (let v = 1; v <= 3; v++)
      expect((await write(server, `v${v}`, `v${v - 1}`, keys(`v${v}_`, 10))).status).toBe(200);
    const head = await server.braid.get('/doc');

    const stale = await write(server, 'stale', 'v0', keys('s', 5));
    expect(stale.status).toBe(409);
    expect(await stale.text()).toMatch(
      /rebasing this write over the 3 versions .*5 patches × 30 patches = 150; the limit is 100/,
    );
    const after = await server.braid.get('/doc');
    expect(after.version).toEqual(head.version);
    expect(after.value).toEqual(head.value);

    // Based on a recent enough version, the same write is transformed and applied: 5 × 10 = 50.
    const recent = await write(server, 'recent', 'v2', keys('s', 5));
    expect(recent.status).toBe(200);
    expect(((await server.braid.get('/doc')).value as { keys: Record<string, number> }).keys.s4).toBe(4);
  });

  it('has a default that lets ordinary stale writes through', async () => {
    const server = await start();
    for (let v = 1; v <= 20; v++) await write(server, `v${v}`, `v${v - 1}`, keys(`v${v}_`, 50));
    const stale = await write(server, 'stale', 'v0', keys('s', 100)); // 100 × 1000 patches since v0
    expect(stale.status).toBe(200);
    const doc = (await server.braid.get('/doc')).value as { keys: Record<string, number> };
    expect(Object.keys(doc.keys)).toHaveLength(20 * 50 + 100);
  });
});

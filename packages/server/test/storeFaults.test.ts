import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStore } from '../src/index';
import { faultyFs } from '../src/store/faultyFs';
import { type RunningBraid, startBraid } from './helpers/server';

// A transient disk fault (ENOSPC on a write, EIO on an fsync) fails the write it hit, answered 5xx, and only
// that one: the log repairs its tail and the next writes are acknowledged, and after a restart everything
// acknowledged is there while the failed write is not.

let dir: string;
const running: RunningBraid[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'braid-store-faults-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function start(fs = faultyFs()) {
  const server = await startBraid({ store: fileStore(dir, { fs: fs.fs, onRepair: () => {} }) }, (braid) =>
    braid.resource('/doc', { initial: { items: [] as string[] } }),
  );
  running.push(server);
  return { server, faults: fs };
}

function append(server: RunningBraid, item: string, version: string) {
  return fetch(`${server.origin}/doc`, {
    method: 'PUT',
    headers: { Version: JSON.stringify(version), 'Content-Range': 'json .items[-0:-0]' },
    body: JSON.stringify([item]),
  });
}

async function items(server: RunningBraid): Promise<string[]> {
  const res = await fetch(`${server.origin}/doc`);
  return ((await res.json()) as { items: string[] }).items;
}

describe.each([
  ['datasync', 'EIO', 0],
  ['write', 'ENOSPC', 13],
] as const)('a %s failing once with %s', (op, code, partialBytes) => {
  it('answers that write 5xx, acknowledges the next ones, and keeps exactly the acknowledged ones', async () => {
    const { server, faults } = await start();
    expect((await append(server, 'a', 'v1')).status).toBe(200);

    faults.failNext(op, code, partialBytes);
    const failed = await append(server, 'lost', 'v2');
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain(code);
    expect(faults.fired).toStrictEqual([`${op}:${code}`]);

    // The disk is fine again: the very next writes are served.
    expect((await append(server, 'b', 'v3')).status).toBe(200);
    expect((await append(server, 'c', 'v4')).status).toBe(200);
    expect(await items(server)).toStrictEqual(['a', 'b', 'c']);

    await server.stop();
    const restarted = await start();
    expect(await items(restarted.server)).toStrictEqual(['a', 'b', 'c']);
    const history = (await (await fetch(`${restarted.server.origin}/doc?history`)).json()) as {
      version: string;
    }[];
    expect(history.map((entry) => entry.version)).toStrictEqual(['v4', 'v3', 'v1']);
    // The failed write's id was never accepted: sent again, it is a new write, applied once.
    expect((await append(restarted.server, 'lost', 'v2')).status).toBe(200);
    expect(await items(restarted.server)).toStrictEqual(['a', 'b', 'c', 'lost']);
  });
});

// Issue 10 point 1 (every state has a version, the initial one included) and point 2's server half (a retry is
// told from another write under a taken Version, across restarts too), through HTTP on 127.0.0.1.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore, memoryStore } from '../src/index';
import { runNow } from '../src/loopTurn';
import { initialVersionIdInSteps } from '../src/resource/versionIds';
import type { BraidServerOptions } from '../src/types';
import { rawRequest, request } from './helpers/rawHttp';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, startBraid } from './helpers/server';

let running: RunningBraid[] = [];
const subscribers: RawSubscriber[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await Promise.all(running.map((r) => r.stop()));
  running = [];
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: BraidServerOptions = {}) {
  const r = await startBraid({ store: memoryStore(), ...options }, (b) => {
    b.resource('/doc', { initial: { n: 0, list: [] } });
    b.resource('/named', { initial: { n: 0 }, initialVersion: 'v0' });
    b.resource('/rooms/:id', { initial: (params) => ({ room: params.id }) });
  });
  running.push(r);
  return r;
}

const put = (port: number, path: string, headers: Record<string, string>, body: string) =>
  rawRequest(port, request('PUT', path, headers, body));

async function versionOf(port: number, path: string, method = 'GET'): Promise<string | undefined> {
  return (await rawRequest(port, request(method, path))).headers.version;
}

describe('the initial state has a version id', () => {
  it('on GET, HEAD and the first snapshot of a subscription, the same id; initialVersion overrides it', async () => {
    const { port } = await start();
    const id = await versionOf(port, '/doc');
    expect(id).toMatch(/^"init-[\w-]{16}"$/);
    expect(await versionOf(port, '/doc', 'HEAD')).toBe(id);
    const sub = await RawSubscriber.open(port, '/doc');
    subscribers.push(sub);
    await sub.waitForUpdates(1);
    expect(sub.updates[0].version).toEqual([JSON.parse(id!)]);
    expect(await versionOf(port, '/named')).toBe('"v0"');
  });

  it('pattern resources: one id per path, each unique', async () => {
    const { port } = await start();
    const a = await versionOf(port, '/rooms/a');
    const b = await versionOf(port, '/rooms/b');
    expect(a).toMatch(/^"init-/);
    expect(b).toMatch(/^"init-/);
    expect(a).not.toBe(b);
    expect(await versionOf(port, '/rooms/a')).toBe(a);
  });

  it('is stable across restarts on the same store, and a subscription resumes from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-initial-'));
    dirs.push(dir);
    const first = await start({ store: fileStore(dir) });
    const id = await versionOf(first.port, '/doc');
    const room = await versionOf(first.port, '/rooms/x');
    await first.stop();
    const second = await start({ store: fileStore(dir) });
    expect(await versionOf(second.port, '/doc')).toBe(id);
    expect(await versionOf(second.port, '/rooms/x')).toBe(room);
    // Resuming from the initial id: nothing to send (no snapshot), then the next version as a patch.
    const sub = await RawSubscriber.open(second.port, '/doc', { Parents: id! });
    subscribers.push(sub);
    expect(
      (await put(second.port, '/doc', { Version: '"w1"', 'Content-Range': 'json .n' }, '1')).status,
    ).toBe(200);
    await sub.waitForVersion('w1');
    expect(sub.updates).toHaveLength(1);
    expect(sub.updates[0].parents).toEqual([JSON.parse(id!)]);
  });

  it('a write whose Parents is the initial id is rebased over the versions since, like any stale write', async () => {
    const { port, braid } = await start();
    const id = (await versionOf(port, '/doc'))!;
    expect(
      (await put(port, '/doc', { Version: '"a"', 'Content-Range': 'json .list[0:0]' }, '["a"]')).status,
    ).toBe(200);
    // Based on the initial state: inserting at 0 of the empty list lands after (or before) "a", never replaces it.
    const stale = await put(
      port,
      '/doc',
      { Version: '"b"', Parents: id, 'Content-Range': 'json .list[0:0]' },
      '["b"]',
    );
    expect(stale.status).toBe(200);
    expect(((await braid.get('/doc')).value as { list: string[] }).list.sort()).toEqual(['a', 'b']);
    // Another write based on the initial id, on a part nobody changed since: applied at the head.
    expect(
      (await put(port, '/doc', { Version: '"c"', Parents: id, 'Content-Range': 'json .n' }, '7')).status,
    ).toBe(200);
    expect((await braid.get('/doc')).value).toMatchObject({ n: 7 });
  });

  it('a write that claims the initial id as its Version is refused (409), and changes nothing', async () => {
    const { port, braid } = await start();
    const id = (await versionOf(port, '/doc'))!;
    const res = await put(port, '/doc', { Version: id, 'Content-Range': 'json .n' }, '1');
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/^version taken/);
    expect((await braid.get('/doc')).value).toEqual({ n: 0, list: [] });
  });
});

describe('a retry is told from another write under a taken Version', () => {
  it('after a restart on a file store too: the same write is 200 (no change), another one 409', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-digest-'));
    dirs.push(dir);
    const first = await start({ store: fileStore(dir) });
    const id = (await versionOf(first.port, '/doc'))!;
    const write = { Version: '"p-1"', Parents: id, 'Content-Range': 'json .n' };
    expect((await put(first.port, '/doc', write, '1')).status).toBe(200);
    await first.stop();
    const second = await start({ store: fileStore(dir) });
    const retry = await put(second.port, '/doc', write, '1');
    expect(retry.status).toBe(200);
    expect(retry.headers.version).toBe('"p-1"');
    const other = await put(second.port, '/doc', write, '2');
    expect(other.status).toBe(409);
    expect(other.text).toMatch(/^version taken/);
    expect((await second.braid.get('/doc')).value).toEqual({ n: 1, list: [] });
    expect(await second.braid.history('/doc')).toHaveLength(1);
  });
});

describe('the initial version id of a big initial value', () => {
  it('is SHA-256 over the path and the JSON, made and hashed in steps', () => {
    const value = {
      items: Array.from({ length: 50_000 }, (_, i) => ({ i, s: 'é😀' })),
      long: `${'a'.repeat(300_000)}😀\ud800`,
    };
    const expected = `init-${createHash('sha256')
      .update('/big')
      .update('\0')
      .update(JSON.stringify(value))
      .digest('base64url')
      .slice(0, 16)}`;
    const steps = initialVersionIdInSteps('/big', value);
    let pauses = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) pauses++;
    expect(next.value).toBe(expected);
    expect(pauses).toBeGreaterThan(5);
    expect(runNow(initialVersionIdInSteps('/n', 5))).toBe(
      `init-${createHash('sha256').update('/n').update('\0').update('5').digest('base64url').slice(0, 16)}`,
    );
  });
});

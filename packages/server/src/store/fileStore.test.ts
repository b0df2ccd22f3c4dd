import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faultyFs } from './faultyFs';
import { type FileStore, type FileStoreOptions, fileStore } from './fileStore';
import { encodeVersionFrame } from './logFormat';
import { sampleRecord, sampleRecords } from './testRecords';
import type { VersionRecord } from './types';

let root: string;
let dir: string;
const open: FileStore[] = [];

function openStore(options: FileStoreOptions = {}): FileStore {
  const store = fileStore(dir, { onRepair: () => {}, ...options });
  open.push(store);
  return store;
}

/** Bytes the given records take in a log. */
function frameBytes(records: VersionRecord[]): number {
  return records.reduce((sum, record) => sum + encodeVersionFrame(record).length, 0);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'braid-file-store-'));
  dir = join(root, 'logs');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await rm(root, { recursive: true, force: true });
});

describe('fileStore round trip', () => {
  it('reloads exactly the appended records, in order, from a new store', async () => {
    const records = sampleRecords(60);
    const store = openStore();
    for (const record of records) await store.append('/api/doc', record);
    await store.close();

    const reopened = openStore();
    const loaded = await reopened.load('/api/doc');
    expect(loaded).toStrictEqual({ records });
    expect(loaded!.records.some((r) => r.patches.some((p) => !('content' in p)))).toBe(true);
    expect(reopened.logSize('/api/doc')).toBe(frameBytes(records));
  });

  it('a big record (encoded in turns) keeps its place: appends and a compaction around it keep their order', async () => {
    const big: VersionRecord = {
      ...sampleRecord(4),
      version: 'big',
      patches: [{ range: '.s', content: `${'b'.repeat(3 * 1024 * 1024)}🌍` }],
    };
    const store = openStore();
    const before = store.append('/api/doc', sampleRecord(0));
    const appended = store.append('/api/doc', big);
    const after = store.append('/api/doc', sampleRecord(1));
    // Called after the three appends: it replaces them; the append after it follows it.
    const compacted = store.compact('/api/doc', { records: [sampleRecord(0), big, sampleRecord(1)] });
    const last = store.append('/api/doc', sampleRecord(2));
    await Promise.all([before, appended, after, compacted, last]);
    await store.close();

    const loaded = await openStore().load('/api/doc');
    expect(loaded!.records.map((r) => r.version)).toEqual(['v-0', 'big', 'v-1', 'v-2']);
    expect(loaded!.records[1]).toStrictEqual(big);
  });

  it('a big record that cannot be stored fails alone', async () => {
    const store = openStore();
    // (Its first patch is encoded in turns; the second cannot be: JSON has no BigInt.)
    const bad = {
      ...sampleRecord(4),
      version: 'bad',
      patches: [
        { range: '.s', content: 'b'.repeat(2 * 1024 * 1024) },
        { range: '.f', content: 1n },
      ],
    } as unknown as VersionRecord;
    const results = await Promise.allSettled([
      store.append('/api/doc', sampleRecord(0)),
      store.append('/api/doc', bad),
      store.append('/api/doc', sampleRecord(1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await store.close();
    expect((await openStore().load('/api/doc'))!.records.map((r) => r.version)).toEqual(['v-0', 'v-1']);
  });

  it('keeps the fields another kind of resource adds to its records (a text record: events, transformed), appended and compacted', async () => {
    const text = { ...sampleRecord(1), events: 3, transformed: true } as VersionRecord;
    const store = openStore();
    await store.append('/api/notes', text);
    await store.compact('/api/compacted', { records: [text] });
    await store.close();

    const reopened = openStore();
    expect((await reopened.load('/api/notes'))!.records).toStrictEqual([text]);
    expect((await reopened.load('/api/compacted'))!.records).toStrictEqual([text]);
  });

  it('returns undefined for a resource never stored, and {records: []} for one compacted empty', async () => {
    const store = openStore();
    expect(await store.load('/nothing')).toBeUndefined();
    expect(store.logSize('/nothing')).toBe(0);
    await store.compact('/empty', { records: [] });
    expect(await store.load('/empty')).toStrictEqual({ records: [] });
  });

  it('compacts to a base, keeps appending after it, and resets logSize', async () => {
    const store = openStore();
    const before = sampleRecords(10);
    for (const record of before) await store.append('/doc', record);
    expect(store.logSize('/doc')).toBe(frameBytes(before));

    const base = { version: ['v-9'], value: { title: 'ünïcode 🌍', items: [1, 2, { deep: null }] } };
    await store.compact('/doc', { base, records: [] });
    expect(store.logSize('/doc')).toBe(0);

    const after = sampleRecords(5, 'v', 10);
    for (const record of after) await store.append('/doc', record);
    expect(store.logSize('/doc')).toBe(frameBytes(after));
    await store.close();

    const reopened = openStore();
    expect(await reopened.load('/doc')).toStrictEqual({ base, records: after });
    // logSize counts what came after the compaction, across a restart too.
    expect(reopened.logSize('/doc')).toBe(frameBytes(after));
  });

  it('keeps the records a compaction wrote, without counting them in logSize', async () => {
    const store = openStore();
    const kept = sampleRecords(3, 'v', 7);
    await store.compact('/doc', { base: { version: ['v-6'], value: 'text' }, records: kept });
    expect(store.logSize('/doc')).toBe(0);
    await store.append('/doc', sampleRecord(10));
    await store.close();

    const reopened = openStore();
    expect(await reopened.load('/doc')).toStrictEqual({
      base: { version: ['v-6'], value: 'text' },
      records: [...kept, sampleRecord(10)],
    });
    expect(reopened.logSize('/doc')).toBe(frameBytes([sampleRecord(10)]));
  });

  it('encodes a big compaction in turns: an append called meanwhile follows it, and the caller may change its arrays', async () => {
    const store = openStore();
    // Big enough to take several turns of the event loop (a frame per record, 1 MiB of text each).
    const kept: VersionRecord[] = Array.from({ length: 6 }, (_, i) => ({
      ...sampleRecord(i),
      patches: [{ range: '.s', content: `${i}`.repeat(1024 * 1024) }],
    }));
    const state = { base: { version: ['v-start'], value: { s: '' } }, records: kept.slice() };
    const compacted = store.compact('/doc', state);
    state.records.push(sampleRecord(99)); // after the call: not part of the compaction
    const appended = store.append('/doc', sampleRecord(6));
    await Promise.all([compacted, appended]);
    await store.close();

    const loaded = await openStore().load('/doc');
    expect(loaded?.base).toStrictEqual(state.base);
    expect(loaded?.records).toStrictEqual([...kept, sampleRecord(6)]);
  });

  it('keeps a base whose value is undefined, null or falsy', async () => {
    const store = openStore();
    for (const value of [undefined, null, 0, '', false]) {
      await store.compact('/doc', { base: { version: [], value }, records: [] });
      expect(await openStore().load('/doc')).toStrictEqual({ base: { version: [], value }, records: [] });
    }
  });

  it('serializes appends and compactions in call order', async () => {
    const store = openStore();
    const early = sampleRecords(5).map((record) => store.append('/doc', record));
    const base = { version: ['v-4'], value: { at: 4 } };
    const compaction = store.compact('/doc', { base, records: [] });
    const late = sampleRecords(5, 'v', 5).map((record) => store.append('/doc', record));
    await Promise.all([...early, compaction, ...late]);
    await store.close();
    expect(await openStore().load('/doc')).toStrictEqual({ base, records: sampleRecords(5, 'v', 5) });
  });

  it('compacts the state as it was at the call, even if the caller keeps growing it', async () => {
    const store = openStore();
    const records = sampleRecords(3);
    const compaction = store.compact('/doc', { records });
    for (const record of sampleRecords(2, 'v', 3)) {
      records.push(record);
      void store.append('/doc', record);
    }
    await compaction;
    await store.close();
    // Each record once: the compaction holds 0..2, the appends made after it add 3..4.
    expect(await openStore().load('/doc')).toStrictEqual({ records: sampleRecords(5) });
  });

  it('rejects a record that would not read back, without failing its batch neighbours', async () => {
    const store = openStore();
    const good = store.append('/doc', sampleRecord(0));
    const nan = store.append('/doc', { ...sampleRecord(1), time: Number.NaN });
    const bigint = store.append('/doc', { ...sampleRecord(1), patches: [{ range: '', content: 1n }] });
    const noVersion = store.append('/doc', { ...sampleRecord(1), version: undefined as unknown as string });
    const good2 = store.append('/doc', sampleRecord(1));
    await expect(nan).rejects.toThrow(/valid shape/);
    await expect(bigint).rejects.toThrow(TypeError);
    await expect(noVersion).rejects.toThrow(/valid shape/);
    await Promise.all([good, good2]);
    await expect(
      store.compact('/doc', { records: [{ ...sampleRecord(0), time: Infinity }] }),
    ).rejects.toThrow();
    expect(await store.load('/doc')).toStrictEqual({ records: sampleRecords(2) });
  });
});

describe('fileStore write failures', () => {
  it('after an fsync fails (EIO), cuts what the failed batch left and serves the next append', async () => {
    const faults = faultyFs();
    const store = openStore({ fs: faults.fs });
    await store.append('/doc', sampleRecord(0));
    faults.failNext('datasync', 'EIO');
    // The data reached the page cache, the fsync failed: not acknowledged, so it must not come back.
    await expect(store.append('/doc', sampleRecord(1, 'lost'))).rejects.toThrow('EIO');
    await store.append('/doc', sampleRecord(1));
    await store.append('/doc', sampleRecord(2));
    // Other resources were never affected.
    await store.append('/other', sampleRecord(0));
    expect(faults.fired).toStrictEqual(['datasync:EIO']);
    await store.close();
    expect(await openStore().load('/doc')).toStrictEqual({ records: sampleRecords(3) });
  });

  it('after a short write fails (ENOSPC), cuts the torn frame and serves the next append', async () => {
    const faults = faultyFs();
    const store = openStore({ fs: faults.fs });
    await store.append('/doc', sampleRecord(0));
    faults.failNext('write', 'ENOSPC', 20);
    const failedBatch = [
      store.append('/doc', sampleRecord(1, 'lost')),
      store.append('/doc', sampleRecord(2, 'lost')),
    ];
    for (const failed of failedBatch) await expect(failed).rejects.toThrow('ENOSPC');
    await store.append('/doc', sampleRecord(1));
    expect(store.logSize('/doc')).toBe(frameBytes(sampleRecords(2)));
    // A load in the same process sees exactly what was acknowledged, too.
    expect(await store.load('/doc')).toStrictEqual({ records: sampleRecords(2) });
    await store.close();
    expect(await openStore().load('/doc')).toStrictEqual({ records: sampleRecords(2) });
  });

  it('keeps failing while the disk fails (the cut too), then recovers without a reload', async () => {
    const faults = faultyFs();
    const store = openStore({ fs: faults.fs });
    await store.append('/doc', sampleRecord(0));
    faults.failNext('write', 'ENOSPC', 7);
    faults.failNext('truncate', 'EIO');
    faults.failNext('truncate', 'EIO');
    await expect(store.append('/doc', sampleRecord(1, 'lost'))).rejects.toThrow('ENOSPC');
    // The cut right after the failure failed, and so does the one before this append: refused, not written.
    await expect(store.append('/doc', sampleRecord(1, 'lost'))).rejects.toThrow('EIO');
    await store.append('/doc', sampleRecord(1));
    expect(faults.fired).toStrictEqual(['write:ENOSPC', 'truncate:EIO', 'truncate:EIO']);
    await store.close();
    expect(await openStore().load('/doc')).toStrictEqual({ records: sampleRecords(2) });
  });
});

describe('fileStore open files', () => {
  it('keeps at most maxOpenFiles logs open across 300 paths, and every path reads back', async () => {
    const store = openStore({ maxOpenFiles: 8, fsync: false });
    const paths = Array.from({ length: 300 }, (_, i) => `/api/items/${i}`);
    const twice = new Set<string>();
    for (const [i, path] of paths.entries()) {
      await store.append(path, sampleRecord(0));
      // Go back to an older path now and then: its closed log reopens and appends after what it holds.
      if (i % 3 === 0) {
        await store.append(paths[i >> 1], sampleRecord(1));
        twice.add(paths[i >> 1]);
      }
      expect(store.stats().openFiles).toBeLessThanOrEqual(8);
    }
    await store.close();
    const reopened = openStore({ maxOpenFiles: 8, fsync: false });
    for (const path of paths) {
      expect(await reopened.load(path)).toStrictEqual({ records: sampleRecords(twice.has(path) ? 2 : 1) });
    }
    expect(reopened.stats().openFiles).toBeLessThanOrEqual(8);
  });

  it('release closes a log and forgets it; the next load reads the file again', async () => {
    const store = openStore();
    await store.append('/doc', sampleRecord(0));
    expect(store.stats().openFiles).toBe(1);
    store.release!('/doc');
    await eventuallyTrue(() => store.stats().openFiles === 0);
    expect(store.logSize('/doc')).toBe(0);
    expect(await store.load('/doc')).toStrictEqual({ records: sampleRecords(1) });
    await store.append('/doc', sampleRecord(1));
    expect(await openStore().load('/doc')).toStrictEqual({ records: sampleRecords(2) });
  });
});

async function eventuallyTrue(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('fileStore close', () => {
  it('waits for pending appends, is idempotent, and rejects later calls', async () => {
    const store = openStore();
    const pending = sampleRecords(20).map((record) => store.append('/doc', record));
    await Promise.all([store.close(), store.close()]);
    await store.close();
    await Promise.all(pending);
    await expect(store.append('/doc', sampleRecord(20))).rejects.toThrow(/closed/);
    await expect(store.load('/doc')).rejects.toThrow(/closed/);
    await expect(store.compact('/doc', { records: [] })).rejects.toThrow(/closed/);
    expect(await openStore().load('/doc')).toStrictEqual({ records: sampleRecords(20) });
  });

  it('creates the directory (and parents) when missing', async () => {
    dir = join(dir, 'a', 'b');
    const store = openStore();
    await store.append('/doc', sampleRecord(0));
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('removes temp files left by a compaction cut short, and keeps the old log', async () => {
    const first = openStore();
    await first.append('/doc', sampleRecord(0));
    await first.close();
    await writeFile(join(dir, 'pending-0123456789abcdef.tmp'), 'half a compaction');

    const store = openStore();
    expect(await store.load('/doc')).toStrictEqual({ records: [sampleRecord(0)] });
    expect(await readdir(dir)).toEqual([store.fileOf('/doc').slice(dir.length + 1)]);
  });
});

describe('fileStore group commit', () => {
  it('writes appends made together with one write + fsync per resource', async () => {
    const store = openStore();
    const paths = ['/a', '/b', '/c'];
    await Promise.all(paths.map((path) => store.compact(path, { records: [] }))); // create the files first
    const before = store.stats();

    await Promise.all(sampleRecords(200).map((record, i) => store.append(paths[i % 3], record)));
    const stats = store.stats();
    expect(stats.batches - before.batches).toBe(3);
    expect(stats.fsyncs - before.fsyncs).toBe(3);
    expect(stats.appends).toBe(200);
  });

  it('batches the appends that arrive while a write + fsync is in progress', async () => {
    const store = openStore();
    await store.compact('/doc', { records: [] });
    const first = store.append('/doc', sampleRecord(0));
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is now being written
    const rest = sampleRecords(50, 'v', 1).map((record) => store.append('/doc', record));
    await Promise.all([first, ...rest]);
    expect(store.stats()).toMatchObject({ appends: 51, batches: 2, largestBatch: 50 });
    expect(await store.load('/doc')).toStrictEqual({ records: sampleRecords(51) });
  });

  it('resolves 200 appends arriving over time across 3 resources with far fewer fsyncs, in order', async () => {
    const store = openStore();
    const paths = ['/a', '/b', '/c'];
    const expected = new Map<string, VersionRecord[]>(paths.map((path) => [path, []]));
    const appends: Promise<void>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      for (let k = 0; k < 10; k++) {
        const i = wave * 10 + k;
        const path = paths[i % 3];
        const record = sampleRecord(expected.get(path)!.length, path);
        expected.get(path)!.push(record);
        appends.push(store.append(path, record));
      }
      await new Promise((resolve) => setImmediate(resolve)); // let writes start between waves
    }
    await Promise.all(appends);
    const stats = store.stats();
    expect(stats.appends).toBe(200);
    expect(stats.fsyncs).toBeLessThan(50);
    await store.close();

    const reopened = openStore();
    for (const path of paths)
      expect(await reopened.load(path)).toStrictEqual({ records: expected.get(path) });
  });

  it('syncs nothing with fsync: false, yet keeps the same log', async () => {
    const store = openStore({ fsync: false });
    await Promise.all(sampleRecords(10).map((record) => store.append('/doc', record)));
    await store.compact('/doc', { base: { version: ['v-9'], value: 1 }, records: [] });
    expect(store.stats().fsyncs).toBe(0);
    await store.close();
    expect(await openStore().load('/doc')).toStrictEqual({
      base: { version: ['v-9'], value: 1 },
      records: [],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { memoryStore } from './memoryStore';
import { sampleRecord, sampleRecords } from './testRecords';

describe('memoryStore', () => {
  it('keeps records in order, compacts to a base, and counts logSize since the compaction', async () => {
    const store = memoryStore();
    expect(await store.load('/doc')).toBeUndefined();
    expect(store.logSize('/doc')).toBe(0);

    for (const record of sampleRecords(5)) await store.append('/doc', record);
    expect(await store.load('/doc')).toStrictEqual({ records: sampleRecords(5) });
    expect(store.logSize('/doc')).toBe(
      sampleRecords(5).reduce((sum, record) => sum + Buffer.byteLength(JSON.stringify(record)), 0),
    );

    const base = { version: ['v-4'], value: { a: 1 } };
    await store.compact('/doc', { base, records: [] });
    expect(store.logSize('/doc')).toBe(0);
    await store.append('/doc', sampleRecord(5));
    expect(await store.load('/doc')).toStrictEqual({ base, records: [sampleRecord(5)] });
    expect(await store.load('/other')).toBeUndefined();
  });

  it('hands out copies of its lists, and rejects calls after close', async () => {
    const store = memoryStore();
    await store.append('/doc', sampleRecord(0));
    (await store.load('/doc'))!.records.push(sampleRecord(1));
    expect((await store.load('/doc'))!.records).toHaveLength(1);

    await store.close();
    await store.close();
    await expect(store.append('/doc', sampleRecord(1))).rejects.toThrow(/closed/);
    await expect(store.load('/doc')).rejects.toThrow(/closed/);
  });
});

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStore } from './fileStore';
import { encodeVersionFrame, LogHeaderError } from './logFormat';
import type { LogRepair } from './resourceLog';
import { sampleRecord, sampleRecords } from './testRecords';

/**
 * What loading does with a damaged log: it keeps every frame before the first bad one and cuts the file
 * there. Frames after a corrupt one are dropped too, even if they look fine: once one frame is bad, the
 * framing of what follows cannot be trusted (and a torn write can only be the last thing in the file).
 */

const PATH = '/api/doc';
let dir: string;
let repairs: LogRepair[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'braid-store-corrupt-'));
  repairs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openStore = () => fileStore(dir, { onRepair: (repair) => repairs.push(repair) });

/** Writes `count` records with a real store, returns the log's bytes and where each frame starts. */
async function writeLog(count: number) {
  const store = openStore();
  for (const record of sampleRecords(count)) await store.append(PATH, record);
  await store.close();
  const file = store.fileOf(PATH);
  const bytes = await readFile(file);
  const sizes = sampleRecords(count).map((record) => encodeVersionFrame(record).length);
  const frameStarts: number[] = [];
  let end = bytes.length;
  for (const size of sizes.reverse()) frameStarts.unshift((end -= size));
  return { file, bytes, frameStarts };
}

/** Loads with a fresh store, then checks an append after the repair lands and reloads cleanly. */
async function loadThenAppend(expectedCount: number) {
  const store = openStore();
  const loaded = await store.load(PATH);
  await store.append(PATH, sampleRecord(expectedCount));
  await store.close();
  const again = fileStore(dir, { onRepair: () => expect.fail('log needed a second repair') });
  expect(await again.load(PATH)).toStrictEqual({ records: sampleRecords(expectedCount + 1) });
  await again.close();
  return loaded;
}

describe('fileStore torn and corrupt tails', () => {
  it('cuts a last frame torn at any byte, keeping every earlier record', async () => {
    const { file, bytes, frameStarts } = await writeLog(6);
    const lastStart = frameStarts[5];
    const offsets = Array.from({ length: bytes.length - lastStart }, (_, k) => lastStart + k);
    const sample = offsets.filter((_, k) => k % Math.ceil(offsets.length / 50) === 0 || k < 10);
    expect(sample.length).toBeGreaterThan(30);

    for (const cut of sample) {
      await writeFile(file, bytes.subarray(0, cut));
      repairs = [];
      const store = openStore();
      expect(await store.load(PATH)).toStrictEqual({ records: sampleRecords(5) });
      expect((await stat(file)).size).toBe(lastStart);
      await store.close();
      expect(repairs.length).toBe(cut === lastStart ? 0 : 1);
      if (cut !== lastStart)
        expect(repairs[0]).toMatchObject({ keptBytes: lastStart, droppedBytes: cut - lastStart });
      await loadThenAppend(5);
    }
  });

  it('stops before a frame with a flipped byte and drops everything after it', async () => {
    const { file, bytes, frameStarts } = await writeLog(6);
    // In the payload, in the CRC, and in the length field of frame 2.
    for (const at of [frameStarts[2] + 20, frameStarts[2] + 5, frameStarts[2] + 1]) {
      const damaged = Buffer.from(bytes);
      damaged[at] ^= 0x40;
      await writeFile(file, damaged);
      repairs = [];
      expect(await loadThenAppend(2)).toStrictEqual({ records: sampleRecords(2) });
      expect(repairs).toHaveLength(1);
      expect(repairs[0].keptBytes).toBe(frameStarts[2]);
      expect(repairs[0].reason).toMatch(/CRC mismatch|bad frame length|torn frame/);
    }
  });

  it('cuts garbage appended after a valid log', async () => {
    const { file, bytes } = await writeLog(4);
    const hugeLength = Buffer.alloc(8);
    hugeLength.writeUInt32LE(0xffffffff, 0);
    const zeros = Buffer.alloc(4096);
    const random = Buffer.from(Array.from({ length: 333 }, (_, i) => (i * 7919 + 13) & 0xff));
    for (const garbage of [hugeLength, zeros, random, Buffer.from('{"type":"version"}\n')]) {
      await writeFile(file, Buffer.concat([bytes, garbage]));
      repairs = [];
      expect(await loadThenAppend(4)).toStrictEqual({ records: sampleRecords(4) });
      expect(repairs[0]).toMatchObject({ keptBytes: bytes.length, droppedBytes: garbage.length });
    }
  });

  it('stops at a well-checksummed frame that is not a valid record', async () => {
    const { file, bytes } = await writeLog(3);
    for (const payload of [
      'not json',
      '[1,2]',
      '{"type":"version","record":{"version":1}}',
      '{"type":"nope"}',
    ]) {
      const json = Buffer.from(payload);
      const frame = Buffer.alloc(8 + json.length);
      frame.writeUInt32LE(json.length, 0);
      frame.writeUInt32LE(crc32(json), 4);
      json.copy(frame, 8);
      await writeFile(file, Buffer.concat([bytes, frame, encodeVersionFrame(sampleRecord(3))]));
      expect(await loadThenAppend(3)).toStrictEqual({ records: sampleRecords(3) });
    }
  });

  it('refuses, without touching it, a file that is not a log of this path', async () => {
    const { file, bytes } = await writeLog(2);
    const notOurs = Buffer.from(bytes);
    notOurs.write('XXXX', 0);
    for (const content of [notOurs, Buffer.alloc(0), bytes.subarray(0, 10)]) {
      await writeFile(file, content);
      const store = openStore();
      await expect(store.load(PATH)).rejects.toThrow(LogHeaderError);
      await expect(store.append(PATH, sampleRecord(2))).rejects.toThrow(LogHeaderError);
      await store.close();
      expect(await readFile(file)).toEqual(content);
    }
    // The log of another path under this path's file name (what a hash collision would look like).
    const other = openStore();
    await other.append('/other', sampleRecord(0));
    await other.close();
    await writeFile(file, await readFile(other.fileOf('/other')));
    const store = openStore();
    await expect(store.load(PATH)).rejects.toThrow(/holds "\/other"/);
    await store.close();
  });
});

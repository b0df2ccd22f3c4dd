import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CountingTurn } from '../../test/helpers/loopTurns';
import { decodeLogFile, decodeLogFileInTurns, encodeLogFile, encodeVersionFrame } from './logFormat';
import { sampleRecords } from './testRecords';

describe('decodeLogFileInTurns', () => {
  it('decodes what decodeLogFile decodes, pausing between frames and inside a big one', async () => {
    const items = Array.from({ length: 50_000 }, (_, i) => ({ id: i, done: i % 2 === 0 }));
    const records = sampleRecords(3);
    const bytes = encodeLogFile('/doc', { base: { version: ['b'], value: { items } }, records });
    const turn = new CountingTurn();
    const decoded = await decodeLogFileInTurns(bytes, '/doc', turn);
    expect(decoded).toStrictEqual(decodeLogFile(bytes, '/doc'));
    expect(decoded.base?.value).toStrictEqual({ items });
    expect(decoded.records).toHaveLength(3);
    // The base frame alone (~1.3 MB) pauses many times; each record frame once.
    expect(turn.pauses).toBeGreaterThan(20);
  });

  it('stops at a damaged frame as decodeLogFile does', async () => {
    const bytes = encodeLogFile('/doc', { records: sampleRecords(3) });
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 3] ^= 0xff;
    const decoded = await decodeLogFileInTurns(damaged, '/doc', new CountingTurn());
    expect(decoded).toStrictEqual(decodeLogFile(damaged, '/doc'));
    expect(decoded.stoppedBecause).toMatch(/CRC mismatch/);
    expect(decoded.records).toHaveLength(2);
  });
});

describe('encodeVersionFrame', () => {
  it('writes a big content in slices that never split a surrogate pair: the frame is the whole JSON, its CRC the whole one', () => {
    // A pair straddles each 1 Mi-character slice boundary (the 'x' shifts the pairs by one unit).
    const text = `x${'é😀'.repeat(700_000)}`;
    const record = {
      ...sampleRecords(1)[0],
      patches: [
        { range: '.s', content: text },
        { range: '.n', content: 1 },
      ],
    };
    const frame = encodeVersionFrame(record);
    const json = JSON.stringify({ type: 'version', record });
    const payload = Buffer.from(json, 'utf8');
    expect(frame.readUInt32LE(0)).toBe(payload.length);
    expect(frame.readUInt32LE(4)).toBe(crc32(payload));
    expect(frame.subarray(8).equals(payload)).toBe(true);
    expect(JSON.parse(frame.subarray(8).toString('utf8')).record).toStrictEqual(record);
  });
});

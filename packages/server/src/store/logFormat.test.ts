import { describe, expect, it } from 'vitest';
import { CountingTurn } from '../../test/helpers/loopTurns';
import { decodeLogFile, decodeLogFileInTurns, encodeLogFile } from './logFormat';
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

import { resolveJsonPatches } from '@braid-live/core/protocol';
import { describe, expect, it } from 'vitest';
import { CountingTurn } from '../../test/helpers/loopTurns';
import { applyPatchesInTurns } from './applyInTurns';

describe('applyPatchesInTurns', () => {
  const doc = { s: 'x'.repeat(10_000), list: [1, 2, 3], o: { a: 1 } };
  const patches = [
    ...Array.from({ length: 100 }, (_, i) => ({ range: `.s[${i * 50}:${i * 50 + 3}]`, content: 'abc' })),
    { range: '.list[-1:-0]', content: [9] },
    { range: '.o.b', content: 2 },
  ];

  it('gives the same value and resolved patches as resolveJsonPatches, and leaves the input alone', async () => {
    const turn = new CountingTurn();
    const before = JSON.stringify(doc);
    const inTurns = await applyPatchesInTurns(doc, patches, turn);
    expect(inTurns).toStrictEqual(resolveJsonPatches(doc, patches));
    expect(JSON.stringify(doc)).toBe(before);
    expect(turn.pauses).toBeGreaterThan(1);
  });

  it('throws what apply throws, with nothing changed', async () => {
    await expect(
      applyPatchesInTurns(doc, [...patches, { range: '.missing.x', content: 1 }], new CountingTurn()),
    ).rejects.toThrow(/no key "missing"/);
    expect(doc.o).toStrictEqual({ a: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { randomDoc, randomPatches, rng } from '../../test/random';
import { applyJsonPatches } from './applyJsonPatch';
import { invertPatches } from './invertPatches';

describe('invertPatches', () => {
  it('undoes any sequence of patches exactly (3,000 random sequences)', () => {
    const r = rng(21);
    for (let i = 0; i < 3000; i++) {
      const doc = randomDoc(r);
      const { patches, value } = randomPatches(r, doc, 4);
      expect(applyJsonPatches(value, invertPatches(doc, patches))).toEqual(doc);
    }
  });

  it('undoes only what was changed: two inserts far apart give two removals, not one span', () => {
    const doc = { text: 'abcdef' };
    const undo = invertPatches(doc, [
      { range: '.text[1:1]', content: 'X' },
      { range: '.text[6:6]', content: 'Y' },
    ]);
    expect(undo).toEqual([{ range: '.text[6:7]' }, { range: '.text[1:2]' }]);
  });

  it('restores deleted keys and removes added ones', () => {
    const doc = { a: 1, b: { c: 2 } };
    const patches = [{ range: '.a' }, { range: '.z', content: 3 }, { range: '.b.c', content: 5 }];
    expect(applyJsonPatches(applyJsonPatches(doc, patches), invertPatches(doc, patches))).toEqual(doc);
  });
});

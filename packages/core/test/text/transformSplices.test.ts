import { describe, expect, it } from 'vitest';
import { applySplices, checkSplices, codePointLength, type TextSplice } from '../../src/text/index';
import { transformSplices } from '../../src/text/transformSplices';
import { int, rng } from '../random';

// transformSplices positions one parallel set after a concurrent one, with text semantics: both orders make
// the same text (TP1), and nothing either side typed is lost — a deletion removes only what it saw. Checked
// on random texts and edits whose every character is unique (so each one can be followed), astral ones too.

/** A parallel set on a text of `length` code points, inserting fresh characters from `fresh`. */
function randomSet(r: () => number, length: number, fresh: () => string): TextSplice[] {
  const out: TextSplice[] = [];
  let at = 0;
  while (at <= length && out.length < 4) {
    const start = at + int(r, Math.max(1, Math.floor((length - at) / 2) + 1));
    if (start > length) break;
    const end = Math.min(length, start + int(r, 4));
    const content = Array.from({ length: int(r, 3) }, fresh).join('');
    if (start !== end || content) out.push({ start, end, content });
    at = end + (r() < 0.3 ? 0 : 1); // touching splices too
    if (r() < 0.25) break;
  }
  return out;
}

const inserted = (set: readonly TextSplice[]) => set.flatMap((s) => Array.from(s.content));
/** The characters of `text` that `set` deletes. */
const deleted = (text: string, set: readonly TextSplice[]) =>
  set.flatMap((s) => Array.from(text).slice(s.start, s.end));

describe('transformSplices', () => {
  it('both orders make one text, and keeps every character either side typed (random edits)', () => {
    const r = rng(23);
    let next = 0; // unique within one case: a BMP or an astral character
    const fresh = () => String.fromCodePoint(next++ % 2 ? 0x4e00 + next : 0x20000 + next);
    for (let n = 0; n < 5000; n++) {
      next = 0;
      const text = Array.from({ length: int(r, 10) }, fresh).join('');
      const length = codePointLength(text);
      const a = randomSet(r, length, fresh);
      const b = randomSet(r, length, fresh);
      const bFirst = r() < 0.5;
      const aAfterB = transformSplices(a, b, bFirst);
      const bAfterA = transformSplices(b, a, !bFirst);
      const textB = applySplices(text, b);
      const textA = applySplices(text, a);
      const where = JSON.stringify({ text, a, b, bFirst, aAfterB, bAfterA });
      expect(checkSplices(aAfterB, codePointLength(textB)), where).toBeUndefined();
      expect(checkSplices(bAfterA, codePointLength(textA)), where).toBeUndefined();
      const merged = applySplices(textB, aAfterB);
      expect(applySplices(textA, bAfterA), where).toBe(merged);
      // Every character typed on either side is there once; of the text, what neither side deleted.
      const gone = new Set([...deleted(text, a), ...deleted(text, b)]);
      const expected = [...Array.from(text).filter((c) => !gone.has(c)), ...inserted(a), ...inserted(b)];
      expect([...Array.from(merged)].sort(), where).toEqual(expected.sort());
    }
  });

  it('an insertion inside a concurrent deletion survives it, in either order', () => {
    const cut = [{ start: 1, end: 4, content: '' }]; // "abcde" → "ae"
    const typed = [{ start: 3, end: 3, content: 'X' }]; // between c and d
    expect(applySplices('ae', transformSplices(typed, cut, true))).toBe('aXe');
    expect(applySplices('abcXde', transformSplices(cut, typed, false))).toBe('aXe');
    // A replacement around a concurrent insertion: both contents, the first-ordered one first.
    const replaced = [{ start: 1, end: 4, content: 'Q' }];
    expect(applySplices('aQe', transformSplices(typed, replaced, true))).toBe('aQXe');
    expect(applySplices('abcXde', transformSplices(replaced, typed, false))).toBe('aQXe');
  });

  it('orders insertions at one point by bFirst', () => {
    const x = [{ start: 1, end: 1, content: 'x' }];
    const y = [{ start: 1, end: 1, content: 'y' }];
    expect(applySplices('ayb', transformSplices(x, y, true))).toBe('ayxb');
    expect(applySplices('ayb', transformSplices(x, y, false))).toBe('axyb');
  });
});

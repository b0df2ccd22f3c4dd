import { describe, expect, it } from 'vitest';
import { applySplices, codePointLength, composeSplices, type TextSplice } from '../../src/text/index';
import { int, pick, rng } from '../random';

// composeSplices turns two parallel sets applied one after the other into one parallel set: what the server
// sends as a catch-up without diffing whole texts. Checked against applying both, on random texts and edits.

const CHARS = ['a', 'b', '😀', 'é', 'e\u0301', '中', '\n'];

function randomSet(r: () => number, length: number): TextSplice[] {
  const out: TextSplice[] = [];
  let at = 0;
  while (at <= length && out.length < 4) {
    const start = at + int(r, Math.max(1, Math.floor((length - at) / 2) + 1));
    if (start > length) break;
    const end = Math.min(length, start + int(r, 3));
    const content = Array.from({ length: int(r, 3) }, () => pick(r, CHARS)).join('');
    if (start !== end || content) out.push({ start, end, content });
    at = end + 1;
    if (r() < 0.3) break;
  }
  return out;
}

describe('composeSplices', () => {
  it('equals applying the two sets one after the other (random texts and edits)', () => {
    const r = rng(17);
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: int(r, 12) }, () => pick(r, CHARS)).join('');
      const first = randomSet(r, codePointLength(text));
      const middle = applySplices(text, first);
      const second = randomSet(r, codePointLength(middle));
      const composed = composeSplices(first, second);
      expect(applySplices(text, composed), JSON.stringify({ text, first, second, composed })).toBe(
        applySplices(middle, second),
      );
      // A parallel set: sorted, not overlapping, none empty.
      for (let i = 0; i < composed.length; i++) {
        expect(composed[i].start <= composed[i].end).toBe(true);
        if (i) expect(composed[i - 1].end <= composed[i].start).toBe(true);
        expect(composed[i].start !== composed[i].end || composed[i].content !== '').toBe(true);
      }
    }
  });

  it('handles deletions to the end and inserts after them', () => {
    const first = [{ start: 2, end: 5, content: '' }];
    expect(applySplices('hello', composeSplices(first, [{ start: 2, end: 2, content: '!' }]))).toBe('he!');
    expect(composeSplices([], [{ start: 0, end: 1, content: 'x' }])).toEqual([
      { start: 0, end: 1, content: 'x' },
    ]);
  });
});

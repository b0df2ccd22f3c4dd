import { describe, expect, it } from 'vitest';
import { applyJsonPatches } from './applyJsonPatch';
import { codePointLength, codePointToIndex } from './codePoints';
import { TEXT_BUFFER_MIN_LENGTH } from './textBuffer';
import type { JsonPatch } from './types';

// Splices of a long string in one write go through a TextBuffer; each must give what the same splice does
// to the plain string, one after the other (offsets in code points of the string as it is then).

function spliceString(s: string, start: number, end: number, content: string): string {
  const a = codePointToIndex(s, start);
  const b = codePointToIndex(s, end);
  return s.slice(0, a) + content + s.slice(b);
}

/** A small PRNG, so a failure is repeatable. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

function text(next: () => number, length: number): string {
  let s = '';
  while (s.length < length) s += next() < 0.1 ? '😀' : String.fromCharCode(97 + Math.floor(next() * 26));
  return s;
}

describe('splices of a long string in one write', () => {
  it.each([1, 2, 3])('give the plain string splices one after the other (seed %i)', (seed) => {
    const next = random(seed);
    const initial = text(next, 50_000);
    let expected = initial;
    const patches: JsonPatch[] = [];
    for (let i = 0; i < 300; i++) {
      const length = codePointLength(expected);
      const start = Math.floor(next() * (length + 1));
      const end = Math.min(length, start + Math.floor(next() * (next() < 0.2 ? 5000 : 20)));
      // Now and then a big insert, longer than a chunk: it is kept apart from its neighbours.
      const content = text(next, next() < 0.15 ? 20_000 : Math.floor(next() * 8));
      patches.push({ range: `.s[${start}:${end}]`, content });
      expected = spliceString(expected, start, end, content);
    }
    expect(initial.length).toBeGreaterThan(TEXT_BUFFER_MIN_LENGTH);
    const { s } = applyJsonPatches({ s: initial }, patches);
    expect(s).toBe(expected);
  });

  it('appends a text bigger than the string to it, and splices on either side of the seam', () => {
    const initial = 'a'.repeat(10_000);
    const big = `😀${'b'.repeat(30_000)}`;
    const { s } = applyJsonPatches({ s: initial }, [
      { range: '.s[-0:-0]', content: big },
      { range: '.s[9999:10001]', content: 'X' }, // the last 'a' and the emoji
      { range: '.s[-1:-0]', content: 'Z' },
    ]);
    expect(s).toBe(`${'a'.repeat(9999)}X${'b'.repeat(29_999)}Z`);
  });

  it('counts lone surrogates that a big insert joins into a pair as one code point, as the string does', () => {
    const initial = `${'a'.repeat(5000)}\uD83D${'c'.repeat(5000)}`;
    const content = `\uDE00${'b'.repeat(10_000)}`; // its first unit pairs with the lone high surrogate
    let expected = spliceString(initial, 5001, 5001, content);
    expected = spliceString(expected, 5001, 5002, 'Y'); // the first 'b': right after the joined pair
    const { s } = applyJsonPatches({ s: initial }, [
      { range: '.s[5001:5001]', content },
      { range: '.s[5001:5002]', content: 'Y' },
    ]);
    expect(s).toBe(expected);
    expect(s.slice(5000, 5004)).toBe('😀Yb');
  });
});

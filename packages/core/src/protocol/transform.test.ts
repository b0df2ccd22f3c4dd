import { describe, expect, it } from 'vitest';
import { int, randomDoc, randomPatch, randomPatches, rng } from '../../test/random';
import { applyJsonPatch, applyJsonPatches } from './applyJsonPatch';
import { transformPatch, transformPatches, transformPatchLists } from './transform';
import type { JsonPatch } from './types';

const applyMaybe = (doc: unknown, p: JsonPatch | null) => (p ? applyJsonPatch(doc, p) : doc);

/** Both orders of applying a and b (each transformed over the other) must reach the same state. */
function tp1(s: unknown, a: JsonPatch, b: JsonPatch, bFirst: boolean) {
  const left = applyMaybe(applyJsonPatch(s, b), transformPatch(a, b, bFirst));
  const right = applyMaybe(applyJsonPatch(s, a), transformPatch(b, a, !bFirst));
  return { left, right };
}

describe('transformPatch rules', () => {
  const s = { k: 1, list: [0, 1, 2, 3, 4, 5], obj: { x: 1, y: { z: 1 } }, text: 'abcdef' };
  const both = (a: JsonPatch, b: JsonPatch, bFirst: boolean) => {
    const { left, right } = tp1(s, a, b, bFirst);
    expect(left).toEqual(right);
    return left as typeof s & Record<string, unknown>;
  };

  it('same key: the later-ordered write wins; a delete counts as a write', () => {
    expect(both({ range: '.k', content: 'a' }, { range: '.k', content: 'b' }, true).k).toBe('a');
    expect(both({ range: '.k', content: 'a' }, { range: '.k', content: 'b' }, false).k).toBe('b');
    expect('k' in both({ range: '.k' }, { range: '.k', content: 'b' }, true)).toBe(false);
    expect(both({ range: '.k' }, { range: '.k', content: 'b' }, false).k).toBe('b');
    expect(transformPatch({ range: '.k' }, { range: '.k' }, true)).toBeNull();
  });

  it('splices shift later indices', () => {
    expect(
      transformPatch({ range: '.list[4]', content: 9 }, { range: '.list[1:3]', content: ['x'] }, true),
    ).toEqual({
      range: '.list[3]',
      content: 9,
    });
    expect(transformPatch({ range: '.list[0]', content: 9 }, { range: '.list[1:3]' }, true)).toEqual({
      range: '.list[0]',
      content: 9,
    });
  });

  it('two inserts at one point keep server order (first-ordered content first)', () => {
    expect(
      both({ range: '.list[2:2]', content: ['a'] }, { range: '.list[2:2]', content: ['b'] }, true).list,
    ).toEqual([0, 1, 'b', 'a', 2, 3, 4, 5]);
    expect(
      both({ range: '.list[2:2]', content: ['a'] }, { range: '.list[2:2]', content: ['b'] }, false).list,
    ).toEqual([0, 1, 'a', 'b', 2, 3, 4, 5]);
    expect(
      both({ range: '.text[1:1]', content: 'A' }, { range: '.text[1:1]', content: 'B' }, true).text,
    ).toBe('aBAbcdef');
  });

  it('an insert at the start of a removed range goes before its content, at the end after it, whatever the order', () => {
    for (const f of [true, false]) {
      expect(both({ range: '.text[1:1]', content: 'I' }, { range: '.text[1:3]', content: 'R' }, f).text).toBe(
        'aIRdef',
      );
      expect(both({ range: '.text[3:3]', content: 'I' }, { range: '.text[1:3]', content: 'R' }, f).text).toBe(
        'aRIdef',
      );
    }
  });

  it('an insert strictly inside a removed range is dropped and the removal widens over it', () => {
    for (const f of [true, false]) {
      expect(transformPatch({ range: '.list[2:2]', content: ['i'] }, { range: '.list[1:4]' }, f)).toBeNull();
      expect(
        both({ range: '.list[2:2]', content: ['i'] }, { range: '.list[1:4]', content: ['r'] }, f).list,
      ).toEqual([0, 'r', 4, 5]);
    }
  });

  it('the same removal is done once; contents keep server order', () => {
    expect(
      both({ range: '.text[1:3]', content: 'A' }, { range: '.text[1:3]', content: 'B' }, true).text,
    ).toBe('aBAdef');
    expect(
      both({ range: '.text[1:3]', content: 'A' }, { range: '.text[1:3]', content: 'B' }, false).text,
    ).toBe('aABdef');
    expect(transformPatch({ range: '.text[1:3]' }, { range: '.text[1:3]' }, true)).toBeNull();
  });

  it('a removal inside a different, enclosing removal is dropped', () => {
    for (const f of [true, false]) {
      expect(transformPatch({ range: '.list[2:3]', content: ['x'] }, { range: '.list[1:5]' }, f)).toBeNull();
      expect(
        both({ range: '.list[2:3]', content: ['x'] }, { range: '.list[1:5]', content: ['y'] }, f).list,
      ).toEqual([0, 'y', 5]);
    }
  });

  it('partially overlapping removals keep what is left; the earlier start places its content first', () => {
    for (const f of [true, false]) {
      expect(both({ range: '.text[1:4]', content: 'A' }, { range: '.text[3:5]', content: 'B' }, f).text).toBe(
        'aABf',
      );
      expect(both({ range: '.text[3:5]', content: 'B' }, { range: '.text[1:4]', content: 'A' }, f).text).toBe(
        'aABf',
      );
    }
  });

  it('an edit whose target was deleted is dropped, in either order', () => {
    for (const f of [true, false]) {
      expect(transformPatch({ range: '.obj.y.z', content: 2 }, { range: '.obj' }, f)).toBeNull();
      expect(transformPatch({ range: '.list[2]', content: 9 }, { range: '.list[1:4]' }, f)).toBeNull();
      expect(transformPatch({ range: '.obj.x' }, { range: '.obj' }, f)).toBeNull();
    }
  });

  it('an inner edit against a subtree replacement: the later-ordered one wins', () => {
    // Replacement later: it overwrites.
    expect(both({ range: '.obj', content: { x: 5 } }, { range: '.obj.x', content: 2 }, true).obj).toEqual({
      x: 5,
    });
    // Replacement earlier: the inner edit applies to the new subtree when it resolves...
    expect(both({ range: '.obj', content: { x: 5 } }, { range: '.obj.x', content: 2 }, false).obj).toEqual({
      x: 2,
    });
    expect(both({ range: '.obj', content: { x: 5 } }, { range: '.obj.w', content: 2 }, false).obj).toEqual({
      x: 5,
      w: 2,
    });
    // ...and is dropped when it does not.
    expect(both({ range: '.obj', content: { x: 5 } }, { range: '.obj.y.z', content: 2 }, false).obj).toEqual({
      x: 5,
    });
    expect(
      transformPatch({ range: '.obj.y.z', content: 2 }, { range: '.obj', content: { x: 5 } }, true),
    ).toBeNull();
  });

  it('an inner edit does not resolve in a replacement of another type', () => {
    const doc = { c: [1, 2, 3] };
    for (const f of [true, false]) {
      const a = { range: '.c[1]', content: 'xyz' };
      const b = { range: '.c', content: 'abcdef' };
      const left = applyMaybe(applyJsonPatch(doc, b), transformPatch(a, b, f));
      const right = applyMaybe(applyJsonPatch(doc, a), transformPatch(b, a, !f));
      expect(left).toEqual(right);
    }
    expect(
      transformPatch({ range: '.c[1]', content: 'xyz' }, { range: '.c', content: 'abcdef' }, true),
    ).toBeNull();
  });

  it('refuses relative (negative) indices', () => {
    expect(() =>
      transformPatch({ range: '.list[-1]', content: 1 }, { range: '.k', content: 1 }, true),
    ).toThrow();
    expect(() =>
      transformPatch({ range: '.list[-0:-0]', content: [1] }, { range: '.k', content: 1 }, true),
    ).toThrow();
  });
});

describe('TP1 (property)', () => {
  it('holds for 20,000 random pairs of single patches over objects, arrays and strings', () => {
    const r = rng(1);
    let nonTrivial = 0;
    for (let i = 0; i < 20_000; i++) {
      const s = randomDoc(r);
      const a = randomPatch(r, s);
      const b = randomPatch(r, s);
      const f = r() < 0.5;
      const { left, right } = tp1(s, a, b, f);
      if (JSON.stringify(left) !== JSON.stringify(right)) {
        expect({ case: i, s, a, b, bFirst: f, left }).toEqual({ case: i, s, a, b, bFirst: f, left: right });
      }
      if (transformPatch(a, b, f) !== a) nonTrivial++;
    }
    // The generator makes the patches collide often enough to exercise the rules, not just pass them through.
    expect(nonTrivial).toBeGreaterThan(2_000);
  });

  it('holds for 10,000 random pairs of patch lists (transformPatches)', () => {
    const r = rng(2);
    for (let i = 0; i < 10_000; i++) {
      const s = randomDoc(r);
      const A = randomPatches(r, s, 3);
      const B = randomPatches(r, s, 3);
      const f = r() < 0.5;
      const left = applyJsonPatches(B.value, transformPatches(A.patches, B.patches, f));
      const right = applyJsonPatches(A.value, transformPatches(B.patches, A.patches, !f));
      if (JSON.stringify(left) !== JSON.stringify(right)) {
        expect({ case: i, s, a: A.patches, b: B.patches, f, left }).toEqual({
          case: i,
          s,
          a: A.patches,
          b: B.patches,
          f,
          left: right,
        });
      }
    }
  });

  it('transformPatchLists returns both sides consistently', () => {
    const r = rng(3);
    for (let i = 0; i < 2_000; i++) {
      const s = randomDoc(r);
      const A = randomPatches(r, s, 2 + int(r, 3));
      const B = randomPatches(r, s, 2 + int(r, 3));
      const [a2, b2] = transformPatchLists(A.patches, B.patches, true);
      expect(applyJsonPatches(B.value, a2)).toEqual(applyJsonPatches(A.value, b2));
    }
  });
});

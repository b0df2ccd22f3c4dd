import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { int, randomDoc, randomPatches, randomString, rng } from '../../test/random';
import { applyJsonPatches } from './applyJsonPatch';
import { diffJson } from './diffJson';

describe('diffJson', () => {
  it('past maxPatches gives one replacement of the deepest container holding every change', () => {
    const prev = { a: { items: Array.from({ length: 3000 }, () => ({ done: false })), n: 1 }, b: [1] };
    const all = produce(prev, (d) => {
      for (const item of d.a.items) item.done = true;
    });
    expect(diffJson(prev, all, { maxPatches: 1000 })).toEqual([{ range: '.a.items', content: all.a.items }]);
    expect(diffJson(prev, all)).toHaveLength(3000);
    // Changes in two places: their common parent goes whole.
    const two = produce(all, (d) => {
      d.a.n = 2;
    });
    const patches = diffJson(prev, two, { maxPatches: 1000 });
    expect(patches).toEqual([{ range: '.a', content: two.a }]);
    expect(applyJsonPatches(prev, patches)).toEqual(two);
    // A key removed or arrays of other lengths: that container is the one.
    const removed = produce(all, (d) => {
      delete (d as { b?: number[] }).b;
    });
    expect(diffJson(prev, removed, { maxPatches: 1000 })).toEqual([{ range: '', content: removed }]);
    // Within the limit: the same patches as without one.
    const few = produce(prev, (d) => {
      d.a.items[7].done = true;
      d.b.push(2);
    });
    expect(diffJson(prev, few, { maxPatches: 1000 })).toEqual(diffJson(prev, few));
  });

  it('turns prev into next for 3,000 random edits (applied in order)', () => {
    const r = rng(11);
    for (let i = 0; i < 3_000; i++) {
      const prev = randomDoc(r);
      const { value: next } = randomPatches(r, prev, 4);
      expect(applyJsonPatches(prev, diffJson(prev, next))).toEqual(next);
      // Also against a deep copy (no shared identities), as for a plain value built from scratch.
      const copy = JSON.parse(JSON.stringify(next));
      expect(applyJsonPatches(prev, diffJson(prev, copy))).toEqual(next);
    }
  });

  it('sends a changed string as one code-point splice of the changed span', () => {
    expect(diffJson({ t: 'hello world' }, { t: 'hello brave world' })).toEqual([
      { range: '.t[6:6]', content: 'brave ' },
    ]);
    expect(diffJson({ t: 'a😀b' }, { t: 'a😀cb' })).toEqual([{ range: '.t[2:2]', content: 'c' }]);
    expect(diffJson({ t: 'x😀y' }, { t: 'x😁y' })).toEqual([{ range: '.t[1:2]', content: '😁' }]);
    expect(diffJson({ t: 'abc' }, { t: 'ac' })).toEqual([{ range: '.t[1:2]' }]);
    const r = rng(5);
    for (let i = 0; i < 2_000; i++) {
      const a = randomString(r, 8);
      const b = randomString(r, 8);
      expect(applyJsonPatches({ s: a }, diffJson({ s: a }, { s: b }))).toEqual({ s: b });
    }
  });

  it('skips unchanged subtrees by identity and edits only what a recipe touched', () => {
    const prev = { big: Array.from({ length: 1000 }, (_, i) => ({ i })), meta: { title: 'x', tags: ['a'] } };
    const next = produce(prev, (d) => {
      d.meta.title = 'y';
      d.big[500].i = -1;
    });
    expect(diffJson(prev, next)).toEqual([
      { range: '.big[500].i', content: -1 },
      { range: '.meta.title[0:1]', content: 'y' },
    ]);
  });

  it('expresses list moves, inserts and removals as splices (so concurrent edits to other items survive)', () => {
    const [a, b, c, d] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
    expect(diffJson([a, b, c], [c, a, b])).toEqual([{ range: '[0:0]', content: [c] }, { range: '[3:4]' }]);
    expect(diffJson([a, b, c], [a, d, b, c])).toEqual([{ range: '[1:1]', content: [d] }]);
    expect(diffJson([1, 2, 3, 4], [2, 3, 4, 5])).toEqual([
      { range: '[0:1]' },
      { range: '[3:3]', content: [5] },
    ]);
    const r = rng(9);
    for (let i = 0; i < 500; i++) {
      const items = Array.from({ length: int(r, 8) }, (_, k) => ({ k }));
      const shuffled = items.filter(() => r() < 0.8).sort(() => r() - 0.5);
      expect(applyJsonPatches(items, diffJson(items, shuffled))).toEqual(shuffled);
    }
  });

  it('precise mode finds each changed run (values that share no structure)', () => {
    const r = rng(12);
    for (let i = 0; i < 2_000; i++) {
      const prev = randomDoc(r);
      const { value: next } = randomPatches(r, prev, 4);
      const copy = JSON.parse(JSON.stringify(next));
      expect(applyJsonPatches(prev, diffJson(prev, copy, { precise: true }))).toEqual(next);
    }
    expect(diffJson({ t: 'abcd' }, { t: 'aXbcYd' }, { precise: true })).toEqual([
      { range: '.t[1:1]', content: 'X' },
      { range: '.t[4:4]', content: 'Y' },
    ]);
    expect(
      diffJson([{ a: 1 }, { b: 2 }, { c: 3 }], [{ a: 1 }, { x: 0 }, { b: 2 }, { c: 4 }], { precise: true }),
    ).toEqual([
      { range: '[1:1]', content: [{ x: 0 }] },
      { range: '[3].c', content: 4 },
    ]);
  });

  it('returns nothing for equal values', () => {
    expect(diffJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});

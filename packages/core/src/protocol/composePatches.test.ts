import { describe, expect, it } from 'vitest';
import { int, randomDoc, randomPatch, rng } from '../../test/random';
import { applyJsonPatch, applyJsonPatches } from './applyJsonPatch';
import { appendComposed, collapsePatches } from './composePatches';
import { diffJson } from './diffJson';
import type { JsonPatch } from './types';

describe('appendComposed', () => {
  it('turns a typed word, with a typo fixed, into one splice', () => {
    const before = 'hello world';
    let typed = '';
    const buffer: JsonPatch[] = [];
    const edit = (next: string) => {
      appendComposed(buffer, diffJson({ text: `hello ${typed}world` }, { text: `hello ${next}world` }));
      typed = next;
    };
    for (const key of ['b', 'r', 'i', '\b', 'a', 'v', 'e', ' ', '😀', ' ']) {
      edit(key === '\b' ? [...typed].slice(0, -1).join('') : typed + key);
    }
    expect(typed).toBe('brave 😀 ');
    expect(buffer).toEqual([{ range: '.text[6:6]', content: 'brave 😀 ' }]);
    expect(applyJsonPatches({ text: before }, buffer)).toEqual({ text: 'hello brave 😀 world' });
  });

  it('keeps typing at two places apart, and drops edits that cancel out', () => {
    const doc = { a: 'xxxxxxxxxx' };
    const buffer: JsonPatch[] = [];
    appendComposed(buffer, [{ range: '.a[1:1]', content: 'A' }]);
    appendComposed(buffer, [{ range: '.a[8:8]', content: 'B' }]);
    expect(buffer).toHaveLength(2);
    appendComposed(buffer, [{ range: '.a[8:9]' }]);
    expect(buffer).toEqual([{ range: '.a[1:1]', content: 'A' }]);
    appendComposed(buffer, [{ range: '.a[1:2]' }]);
    expect(buffer).toEqual([]);
    expect(applyJsonPatches(doc, buffer)).toBe(doc);
  });

  it('a set of a key replaces the edits just before it inside that key', () => {
    const buffer: JsonPatch[] = [];
    appendComposed(buffer, [{ range: '.title', content: 'a' }]);
    appendComposed(buffer, [{ range: '.title', content: 'ab' }]);
    appendComposed(buffer, [{ range: '.other', content: 1 }]);
    appendComposed(buffer, [{ range: '.n.x', content: 1 }]);
    appendComposed(buffer, [{ range: '.n.y', content: 1 }]);
    appendComposed(buffer, [{ range: '.n', content: { z: 1 } }]);
    expect(buffer).toEqual([
      { range: '.title', content: 'ab' },
      { range: '.other', content: 1 },
      { range: '.n', content: { z: 1 } },
    ]);
  });

  it('a buffer of 5000 keystrokes into one field stays one patch', () => {
    let doc: { t: string } = { t: '' };
    const buffer: JsonPatch[] = [];
    for (let i = 0; i < 5000; i++) {
      const next = { t: i % 7 === 6 ? doc.t.slice(0, -1) : `${doc.t}${String.fromCharCode(97 + (i % 26))}` };
      appendComposed(buffer, diffJson(doc, next));
      doc = next;
    }
    expect(buffer.length).toBeLessThanOrEqual(1);
    expect(applyJsonPatches({ t: '' }, buffer)).toEqual(doc);
  });

  it('gives the same value as applying every patch in turn (random sequences, arrays and strings)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const start = randomDoc(r);
      let value: unknown = start;
      const all: JsonPatch[] = [];
      const buffer: JsonPatch[] = [];
      const steps = 1 + int(r, 12);
      for (let i = 0; i < steps; i++) {
        const patch = randomPatch(r, value);
        value = applyJsonPatch(value, patch);
        all.push(patch);
        appendComposed(buffer, [patch]);
      }
      expect(buffer.length).toBeLessThanOrEqual(all.length);
      expect(applyJsonPatches(start, buffer), `seed ${seed}`).toEqual(value);
    }
  });
});

describe('collapsePatches', () => {
  it('replaces the deepest container holding every change', () => {
    const prev = { items: [{ done: false }, { done: false }, { done: false }], other: 1 };
    const next = { ...prev, items: prev.items.map(() => ({ done: true })) };
    const patches = diffJson(prev, next);
    expect(patches).toHaveLength(3);
    const collapsed = collapsePatches(patches, next);
    expect(collapsed).toEqual([{ range: '.items', content: next.items }]);
    expect(applyJsonPatches(prev, collapsed)).toEqual(next);
  });

  it('deletes the container when the change removed it, and goes to the root when changes are apart', () => {
    const prev = { a: { x: 1, y: 2 }, b: 1 };
    expect(collapsePatches([{ range: '.a.x' }, { range: '.a' }], { b: 1 })).toEqual([{ range: '.a' }]);
    const next = { a: { x: 2, y: 2 }, b: 2 };
    const collapsed = collapsePatches(diffJson(prev, next), next);
    expect(collapsed).toEqual([{ range: '', content: next }]);
  });
});

import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyJsonPatches, resolveJsonPatches } from './applyJsonPatch';
import { BraidProtocolError } from './errors';
import type { JsonPatch } from './types';

const doc = () => ({
  title: 'hello',
  n: 1,
  list: [1, 2, 3, 4],
  nested: { deep: { x: 1 }, other: { y: 2 } },
  'my key': { 'a"b': 1 },
  text: 'a😀b👍c',
  rows: [{ id: 1 }, { id: 2 }],
});

describe('applyJsonPatch', () => {
  const cases: [string, JsonPatch, (d: ReturnType<typeof doc>) => unknown][] = [
    ['set key', { range: '.title', content: 'x' }, (d) => ({ ...d, title: 'x' })],
    ['add key', { range: '.new', content: [1] }, (d) => ({ ...d, new: [1] })],
    [
      'nested set',
      { range: '.nested.deep.x', content: 5 },
      (d) => ({ ...d, nested: { ...d.nested, deep: { x: 5 } } }),
    ],
    ['quoted keys', { range: '["my key"]["a\\"b"]', content: 2 }, (d) => ({ ...d, 'my key': { 'a"b': 2 } })],
    ['delete key', { range: '.n' }, ({ n: _n, ...rest }) => rest],
    ['delete missing key is a no-op', { range: '.missing' }, (d) => d],
    ['set element', { range: '.list[1]', content: 9 }, (d) => ({ ...d, list: [1, 9, 3, 4] })],
    ['negative element', { range: '.list[-1]', content: 9 }, (d) => ({ ...d, list: [1, 2, 3, 9] })],
    ['delete element', { range: '.list[1]' }, (d) => ({ ...d, list: [1, 3, 4] })],
    ['delete negative element', { range: '.list[-1]' }, (d) => ({ ...d, list: [1, 2, 3] })],
    [
      'splice',
      { range: '.list[1:3]', content: ['a', 'b', 'c'] },
      (d) => ({ ...d, list: [1, 'a', 'b', 'c', 4] }),
    ],
    ['insert', { range: '.list[0:0]', content: [0] }, (d) => ({ ...d, list: [0, 1, 2, 3, 4] })],
    ['append', { range: '.list[-0:-0]', content: [5, 6] }, (d) => ({ ...d, list: [1, 2, 3, 4, 5, 6] })],
    ['negative slice', { range: '.list[-2:-0]', content: [] }, (d) => ({ ...d, list: [1, 2] })],
    ['slice delete without content', { range: '.list[0:2]' }, (d) => ({ ...d, list: [3, 4] })],
    [
      'string splice by code points',
      { range: '.text[1:2]', content: '🎉' },
      (d) => ({ ...d, text: 'a🎉b👍c' }),
    ],
    ['string insert after emoji', { range: '.text[2:2]', content: 'X' }, (d) => ({ ...d, text: 'a😀Xb👍c' })],
    ['string append', { range: '.text[-0:-0]', content: '!' }, (d) => ({ ...d, text: 'a😀b👍c!' })],
    ['string delete', { range: '.text[3:5]' }, (d) => ({ ...d, text: 'a😀b' })],
    [
      'element inside array of objects',
      { range: '.rows[1].id', content: 3 },
      (d) => ({ ...d, rows: [{ id: 1 }, { id: 3 }] }),
    ],
    ['whole document', { range: '', content: { a: 1 } }, () => ({ a: 1 })],
  ];
  it.each(cases)('%s', (_name, patch, expected) => {
    const before = doc();
    const frozen = JSON.stringify(before);
    expect(applyJsonPatch(before, patch)).toEqual(expected(doc()));
    expect(JSON.stringify(before)).toBe(frozen); // never mutates
  });

  it('keeps untouched subtrees identical (structural sharing)', () => {
    const before = doc();
    const after = applyJsonPatch(before, { range: '.nested.deep.x', content: 2 });
    expect(after.nested.other).toBe(before.nested.other);
    expect(after.list).toBe(before.list);
    expect(after.rows).toBe(before.rows);
    expect(after.nested).not.toBe(before.nested);
    const spliced = applyJsonPatch(before, { range: '.rows[0:0]', content: [{ id: 0 }] });
    expect(spliced.rows[1]).toBe(before.rows[0]);
    expect(spliced.nested).toBe(before.nested);
  });

  it('returns the same document for a no-op', () => {
    const before = doc();
    expect(applyJsonPatch(before, { range: '.missing' })).toBe(before);
    expect(applyJsonPatch(before, { range: '.list[2:2]', content: [] })).toBe(before);
  });

  it.each([
    ['missing parent', { range: '.nope.x', content: 1 }],
    ['index out of range', { range: '.list[4]', content: 1 }],
    ['negative out of range', { range: '.list[-5]', content: 1 }],
    ['slice out of range', { range: '.list[2:9]', content: [] }],
    ['reversed slice', { range: '.list[3:1]', content: [] }],
    ['key into array', { range: '.list.x', content: 1 }],
    ['index into object', { range: '.nested[0]', content: 1 }],
    ['slice of an object', { range: '.nested[0:1]', content: [] }],
    ['array slice with non-array content', { range: '.list[0:1]', content: 'x' }],
    ['string slice with non-string content', { range: '.text[0:1]', content: [1] }],
    ['string index set', { range: '.text[0]', content: 'x' }],
    ['delete the whole document', { range: '' }],
    ['bad range', { range: '.a[' }],
  ] as [string, JsonPatch][])('refuses %s', (_name, patch) => {
    expect(() => applyJsonPatch(doc(), patch)).toThrow(BraidProtocolError);
  });

  it.each(['.__proto__', '.constructor', '.nested.prototype', '["__proto__"].polluted'])(
    'refuses %s and pollutes nothing',
    (range) => {
      expect(() => applyJsonPatch(doc(), { range, content: { polluted: true } })).toThrow(
        expect.objectContaining({ code: 'forbidden-key' }),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('applyJsonPatches applies in order', () => {
    expect(
      applyJsonPatches({ a: [] as number[] }, [
        { range: '.a[-0:-0]', content: [1] },
        { range: '.a[-0:-0]', content: [2] },
        { range: '.a[0]' },
      ]),
    ).toEqual({ a: [2] });
  });
});

describe('resolveJsonPatches', () => {
  it('makes negative indices and -0 absolute against the state each patch applies to', () => {
    const { value, patches } = resolveJsonPatches({ a: [1, 2, 3], s: 'a😀b' }, [
      { range: '.a[-0:-0]', content: [4] },
      { range: '.a[-1]' },
      { range: '.a[-2]', content: 9 },
      { range: '.s[-1:-0]', content: 'c' },
    ]);
    expect(value).toEqual({ a: [1, 9, 3], s: 'a😀c' });
    expect(patches).toEqual([
      { range: '.a[3:3]', content: [4] },
      { range: '.a[3:4]' },
      { range: '.a[1]', content: 9 },
      { range: '.s[2:3]', content: 'c' },
    ]);
  });
  it('keeps already-absolute patches as they are (same objects)', () => {
    const p = { range: '.a[0:1]', content: [] };
    expect(resolveJsonPatches({ a: [1] }, [p]).patches[0]).toBe(p);
  });
  it('resolves negative indices in the middle of a path', () => {
    const { patches } = resolveJsonPatches({ rows: [{ x: 1 }, { x: 2 }] }, [
      { range: '.rows[-1].x', content: 3 },
    ]);
    expect(patches).toEqual([{ range: '.rows[1].x', content: 3 }]);
  });
});

import { applyJsonPatches } from '@braid-live/core/protocol';
import { describe, expect, it } from 'vitest';
import { runNow } from '../loopTurn';
import { jsonSizeInSteps, jsonSizeOf, measuredJsonSize } from './documentSize';
import { estimateWriteCost, SLOT_WORK } from './writeBudget';

describe('jsonSizeOf', () => {
  it('is the JSON length of ASCII values, nested and empty ones included', () => {
    for (const value of [
      null,
      true,
      false,
      0,
      -12.5,
      1e21,
      '',
      'abc',
      [],
      {},
      [1, 'two', null, [3], { four: 4 }],
      { a: { b: { c: [1, 2, { d: 'e' }] } }, f: [], g: {} },
    ]) {
      expect(jsonSizeOf(value)).toBe(JSON.stringify(value).length);
    }
  });

  it('leaves out undefined members as JSON does', () => {
    expect(jsonSizeOf({ a: 1, b: undefined })).toBe(JSON.stringify({ a: 1 }).length);
  });

  it('stays exact across versions that share untouched subtrees', () => {
    let doc: unknown = { list: Array.from({ length: 100 }, (_, i) => ({ i })), meta: { n: 0 } };
    expect(jsonSizeOf(doc)).toBe(JSON.stringify(doc).length);
    for (let n = 1; n < 20; n++) {
      doc = applyJsonPatches(doc, [
        { range: '.meta.n', content: n * 1000 },
        { range: `.list[${n}:${n + 1}]`, content: [{ i: 'x'.repeat(n) }] },
      ]);
      expect(jsonSizeOf(doc)).toBe(JSON.stringify(doc).length);
    }
  });
});

describe('estimateWriteCost', () => {
  const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
  const head = { wide, deep: { small: { a: 1 } }, text: 'y'.repeat(500) };

  it('counts each copied container once per write, by its width', () => {
    const one = estimateWriteCost([{ range: '.wide.k1', content: 2 }], head);
    const many = estimateWriteCost(
      Array.from({ length: 100 }, (_, i) => ({ range: `.wide.k${i}`, content: 2 })),
      head,
    );
    // root (3 keys) + wide (1000 keys), whatever the number of patches; an object key weighs SLOT_WORK.object.
    const key = SLOT_WORK.object;
    expect(one.work).toBe((3 + 1000) * key + 3 + 1);
    expect(many.work).toBe((3 + 1000) * key + 100 * (3 + 1));
  });

  it('counts a string splice by the string length, and a deep write by its path only', () => {
    const key = SLOT_WORK.object;
    expect(estimateWriteCost([{ range: '.text[0:0]', content: 'z' }], head).work).toBe(3 * key + 500 + 2 + 3);
    expect(estimateWriteCost([{ range: '.deep.small.a', content: 5 }], head).work).toBe(
      (3 + 1 + 1) * key + 4 + 1,
    );
    expect(estimateWriteCost([{ range: '.nothing.here', content: 5 }], head).work).toBe(3 * key + 3 + 1);
  });

  it('weighs an array element as SLOT_WORK.array', () => {
    const list = { list: Array.from({ length: 100 }, (_, i) => i) };
    expect(estimateWriteCost([{ range: '.list[0:0]', content: [1] }], list).work).toBe(
      SLOT_WORK.object + 100 * SLOT_WORK.array + 2 + 3,
    );
  });

  it('measures the JSON bytes of ranges and contents', () => {
    const cost = estimateWriteCost([{ range: '.deep', content: { x: 'abc' } }], head);
    expect(cost.bytes).toBe('.deep'.length + JSON.stringify({ x: 'abc' }).length);
    expect(cost.patches).toBe(1);
  });
});

describe('jsonSizeInSteps', () => {
  /** Drives the steps, counting the places it offered to pause. */
  const inSteps = (value: unknown) => {
    const steps = jsonSizeInSteps(value);
    let pauses = 0;
    for (let next = steps.next(); ; next = steps.next()) {
      if (next.done) return { size: next.value, pauses };
      pauses++;
    }
  };

  it('measures what jsonSizeOf measures, in steps for a big value, and remembers it', () => {
    const make = () => ({
      items: Array.from({ length: 100_000 }, (_, i) => ({ done: i % 2 === 0, tags: ['a', i] })),
      numbers: Array.from({ length: 50_000 }, (_, i) => i * 1.5),
      wide: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, i])),
      nested: [[Array.from({ length: 30_000 }, () => 'x')]],
      skipped: undefined,
    });
    const value = make();
    const { size, pauses } = inSteps(value);
    expect(size).toBe(jsonSizeOf(make()));
    expect(size).toBe(JSON.stringify(value).length);
    expect(pauses).toBeGreaterThan(10);
    // Remembered: measuring again is a lookup, the big members too.
    expect(measuredJsonSize(value)).toBe(size);
    expect(measuredJsonSize(value.items)).toBe(JSON.stringify(value.items).length);
    expect(inSteps(value).pauses).toBe(0);
    expect(runNow(jsonSizeInSteps([1, 'a', null]))).toBe(JSON.stringify([1, 'a', null]).length);
    expect(runNow(jsonSizeInSteps('abc'))).toBe(5);
  });
});

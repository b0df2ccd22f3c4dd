import { describe, expect, it } from 'vitest';
import { pick, rng } from '../../../core/test/random';
import { jsonInSteps, jsonPiecesInSteps } from '../../src/json/jsonInSteps';
import { runNow } from '../../src/loopTurn';
import { jsonSizeOf } from '../../src/resource/documentSize';

/** Drives the steps, counting the places it offered to pause. */
function inSteps(value: unknown): { json: string | undefined; pauses: number } {
  const steps = jsonInSteps(value);
  let pauses = 0;
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done) return { json: next.value, pauses };
    pauses++;
  }
}

/** A random value; `depth` bounds nesting, and only the outer level is wide (bounded size). */
function randomValue(r: () => number, depth: number, wide = true): unknown {
  const kind = r();
  const width = (choices: number[]) => (wide ? pick(r, choices) : pick(r, [0, 1, 3, 8]));
  if (depth > 0 && kind < 0.25) {
    const n = width([0, 1, 3, 40, 300, 5000]);
    return Array.from({ length: n }, () => randomValue(r, depth - 1, wide && n <= 3));
  }
  if (depth > 0 && kind < 0.5) {
    const n = width([0, 1, 3, 40, 300, 5000]);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++)
      out[pick(r, ['a', 'b', '1', '10', `k${i}`, 'é "q"', ''])] = randomValue(r, depth - 1, wide && n <= 3);
    return out;
  }
  if (kind < 0.7)
    return pick(r, ['', 'x', 'line\nbreak', '"quoted"', '\ud800 lone', 'é😀', 'y'.repeat(3000)]);
  if (kind < 0.9)
    return pick(r, [0, -0, 1.5, -1e-7, 1e21, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY]);
  return pick(r, [true, false, null]);
}

describe('jsonInSteps', () => {
  it('gives exactly JSON.stringify, measured beforehand or not', () => {
    const r = rng(7);
    let split = 0;
    for (let i = 0; i < 300; i++) {
      const value = randomValue(r, 1 + Math.floor(r() * 4));
      if (r() < 0.5) jsonSizeOf(value);
      const { json, pauses } = inSteps(value);
      expect(json).toBe(JSON.stringify(value));
      if (pauses > 0) split++;
    }
    expect(split).toBeGreaterThan(10); // the big ones were made in pieces
  });

  it('writes what JSON.stringify writes for values JSON cannot carry, and for toJSON', () => {
    const date = new Date(0);
    const big = Array.from({ length: 5000 }, (_, i) => ({ i, when: date, f: () => 1, u: undefined }));
    const value = {
      items: [...big, undefined, () => 1, Symbol('s'), date],
      skipped: undefined,
      fn: () => 1,
      nested: { deep: Array.from({ length: 3000 }, (_, i) => [i, `s${i}`, { x: null }]) },
      custom: {
        toJSON: () => 'custom',
        ...Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])),
      },
    };
    const { json, pauses } = inSteps(value);
    expect(json).toBe(JSON.stringify(value));
    expect(pauses).toBeGreaterThan(0);
    expect(runNow(jsonInSteps(undefined))).toBeUndefined();
  });

  it('pauses in proportion to the size: 200,000 small items in many pieces, a small value in none', () => {
    const items = Array.from({ length: 200_000 }, () => ({ done: false }));
    jsonSizeOf({ items });
    const { json, pauses } = inSteps({ items });
    expect(json).toBe(JSON.stringify({ items }));
    // About 2.8 MB in pieces of about 64 KiB.
    expect(pauses).toBeGreaterThan(20);
    expect(inSteps({ a: [1, 2, 3] }).pauses).toBe(0);
    // A long string is made a slice of 256 Ki chars at a time.
    const long = 'z'.repeat(1 << 20);
    expect(inSteps(long)).toEqual({ json: JSON.stringify(long), pauses: 4 });
  });
});

describe('jsonPiecesInSteps', () => {
  it('gives JSON.stringify in pieces: the small ones joined, a big one as it is (not copied into a joined text)', () => {
    const big = 'b'.repeat(300_000);
    const value = { small: Array.from({ length: 5000 }, (_, i) => ({ i })), big, list: [big, 1], end: true };
    jsonSizeOf(value);
    const pieces = runNow(jsonPiecesInSteps(value))!;
    expect(pieces.join('')).toBe(JSON.stringify(value));
    expect(pieces.length).toBeGreaterThan(1);
    // Each long string is made (and kept) a slice at a time: no piece holds more than one slice of it.
    expect(Math.max(...pieces.map((p) => p.length))).toBe(256 * 1024);
    expect(pieces).toContain(big.slice(0, 256 * 1024));
    expect(runNow(jsonPiecesInSteps(undefined))).toBeUndefined();
  });

  it('joins small pieces into pieces of about 64 KiB, not into one text (a rope its reader would flatten)', () => {
    const items = Array.from({ length: 200_000 }, () => ({ done: false }));
    jsonSizeOf({ items });
    const pieces = runNow(jsonPiecesInSteps({ items }))!;
    expect(pieces.join('')).toBe(JSON.stringify({ items }));
    expect(pieces.length).toBeGreaterThan(30);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(2 * 64 * 1024);
  });

  it('slices a long string without changing its escapes: a pair at a slice edge, lone surrogates, quotes', () => {
    const edge = 256 * 1024;
    // A pair straddles the first slice edge; lone surrogates, quotes and control characters elsewhere.
    const text = `${'a'.repeat(edge - 1)}😀"\n\u0001${'\ud800x\udc00'.repeat(1000)}${'é'.repeat(edge)}`;
    for (const value of [text, { text }, [1, text], { nested: { text } }]) {
      const pieces = runNow(jsonPiecesInSteps(value))!;
      expect(pieces.join('')).toBe(JSON.stringify(value));
      expect(pieces.length).toBeGreaterThan(1);
    }
  });

  it('does not make a small container holding a long string in one piece', () => {
    // (Fewer than 32 values: not measured by documentSize, yet 600 KB.)
    const value = { list: Array.from({ length: 3 }, (_, i) => ({ i, s: String(i).repeat(200_000) })) };
    jsonSizeOf(value);
    const pieces = runNow(jsonPiecesInSteps(value))!;
    expect(pieces.join('')).toBe(JSON.stringify(value));
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(256 * 1024);
  });
});

import { enablePatches, produceWithPatches } from 'immer';
import { describe, expect, test } from 'vitest';
import { ringFrom, ringLatest, ringPush, ringToArray } from '../src/model/ring';

enablePatches();

describe('ring series', () => {
  test('keeps a fixed window, oldest first', () => {
    const ring = ringFrom([1, 2, 3]);
    ringPush(ring, 4);
    ringPush(ring, 5);
    expect(ringToArray(ring)).toEqual([3, 4, 5]);
    expect(ringLatest(ring)).toBe(5);
  });

  test('a tick on an immer draft is two small patches, whatever the window size', () => {
    const base = { series: ringFrom(Array.from({ length: 60 }, (_, i) => i)) };
    const [next, patches] = produceWithPatches(base, (draft) => ringPush(draft.series, 99));
    expect(patches).toHaveLength(2);
    expect(ringToArray(next.series).at(-1)).toBe(99);
    expect(ringToArray(next.series)[0]).toBe(1);
  });
});

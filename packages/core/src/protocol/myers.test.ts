import { describe, expect, it } from 'vitest';
import { int, rng } from '../../test/random';
import { myersChanges } from './myers';

/** Applies the changes to `a` (taking inserted items from `b`). */
function apply<T>(a: T[], b: T[], changes: NonNullable<ReturnType<typeof myersChanges>>): T[] {
  const out: T[] = [];
  let at = 0;
  for (const c of changes) {
    out.push(...a.slice(at, c.aStart), ...b.slice(c.bStart, c.bEnd));
    at = c.aEnd;
  }
  return [...out, ...a.slice(at)];
}

describe('myersChanges', () => {
  it('finds the minimal changes for small cases', () => {
    const eq = (x: string, y: string) => x === y;
    expect(myersChanges([...'abcd'], [...'axbcyd'], eq)).toEqual([
      { aStart: 1, aEnd: 1, bStart: 1, bEnd: 2 },
      { aStart: 3, aEnd: 3, bStart: 4, bEnd: 5 },
    ]);
    expect(myersChanges([...'abc'], [...'abc'], eq)).toEqual([]);
    expect(myersChanges([], [...'ab'], eq)).toEqual([{ aStart: 0, aEnd: 0, bStart: 0, bEnd: 2 }]);
    expect(myersChanges([...'ab'], [], eq)).toEqual([{ aStart: 0, aEnd: 2, bStart: 0, bEnd: 0 }]);
  });

  it('turns a into b with edit distance as small as an LCS gives, for 2,000 random pairs', () => {
    const r = rng(4);
    for (let i = 0; i < 2000; i++) {
      const a = Array.from({ length: int(r, 12) }, () => 'abc'[int(r, 3)]);
      const b = Array.from({ length: int(r, 12) }, () => 'abc'[int(r, 3)]);
      const changes = myersChanges(a, b, (x, y) => x === y)!;
      expect(apply(a, b, changes)).toEqual(b);
      const edits = changes.reduce((n, c) => n + (c.aEnd - c.aStart) + (c.bEnd - c.bStart), 0);
      expect(edits).toBe(a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('gives up past maxD', () => {
    expect(myersChanges([...'aaaa'], [...'bbbb'], (x, y) => x === y, 3)).toBeUndefined();
  });
});

function lcs<T>(a: T[], b: T[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  return dp[a.length][b.length];
}

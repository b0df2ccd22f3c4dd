/** A run of the edit script between two sequences: `a[aStart, aEnd)` becomes `b[bStart, bEnd)`. */
export interface Change {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/**
 * The changed runs between `a` and `b`, in order (Myers' O((N+M)·D) diff, D = edit distance). Undefined when
 * D exceeds `maxD`, so the caller can fall back to one coarse change.
 */
export function myersChanges<T>(
  a: readonly T[],
  b: readonly T[],
  equal: (x: T, y: T) => boolean,
  maxD = 2000,
): Change[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice()); // V as it was before step d
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
          ? v[offset + k + 1]
          : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && equal(a[x], b[y])) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Walk back: each step d came from diagonal prevK, then one insert or delete, then a snake.
  const steps: Change[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const px = vd[offset + prevK];
    const py = px - prevK;
    // The step went from (px, py) to mid: down (an insert) from diagonal k+1, right (a delete) from k-1.
    const midX = prevK === k + 1 ? px : px + 1;
    const midY = midX - k;
    steps.push({ aStart: px, aEnd: midX, bStart: py, bEnd: midY });
    x = px;
    y = py;
  }
  steps.reverse();
  const changes: Change[] = [];
  for (const s of steps) {
    const last = changes[changes.length - 1];
    if (last && last.aEnd === s.aStart && last.bEnd === s.bStart) {
      last.aEnd = s.aEnd;
      last.bEnd = s.bEnd;
    } else changes.push({ ...s });
  }
  return changes;
}

/** The median of some numbers (the middle one, or the mean of the two middle ones). NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `fn` repeatedly for about `ms` milliseconds (after a short warm-up) and returns operations per second.
 * `fn` does `batch` operations per call, so the clock is read rarely for very cheap operations.
 */
export function opsPerSecond(fn: () => void, ms = 500, batch = 1): number {
  const warmUntil = performance.now() + Math.min(200, ms / 2);
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (calls * batch * 1000) / elapsed;
}

import type { Ring } from './resources';

/** A ring holding `values` (oldest first), the next write going over the oldest. */
export function ringFrom<T>(values: T[]): Ring<T> {
  return { values, next: 0 };
}

/** Writes `value` over the oldest point (works on an immer draft: two small patches). */
export function ringPush<T>(ring: Ring<T>, value: T): void {
  ring.values[ring.next] = value;
  ring.next = (ring.next + 1) % ring.values.length;
}

/** The most recent point. */
export function ringLatest<T>(ring: Ring<T>): T {
  const n = ring.values.length;
  return ring.values[(ring.next - 1 + n) % n];
}

const ordered = new WeakMap<Ring<unknown>, unknown[]>();

/** The points oldest first. Cached per ring object: rings keep their identity until they change. */
export function ringToArray<T>(ring: Ring<T>): T[] {
  let out = ordered.get(ring) as T[] | undefined;
  if (!out) {
    out = [...ring.values.slice(ring.next), ...ring.values.slice(0, ring.next)];
    ordered.set(ring, out);
  }
  return out;
}

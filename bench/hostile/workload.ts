import type { JsonPatch } from '@braid-live/core/protocol';

/** The honest subscriber's updates: one version of /tick every TICK_MS. */
export const TICK_MS = 10;

/** `{ k0: 0, k1: 1, … }` with `keys` keys. */
export function bigObject(keys: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < keys; i++) out[`k${i}`] = i;
  return out;
}

export const bigString = (length: number) => 'x'.repeat(length);

export const items = (n: number) => Array.from({ length: n }, () => ({ done: false }));

/** `count` key writes under `prefix` (new keys `x<i>`, or existing keys `k<i·7>` when `existing`). */
export function keyPatches(prefix: string, count: number, existing: boolean): JsonPatch[] {
  return Array.from({ length: count }, (_, i) => ({
    range: `${prefix}.${existing ? `k${(i * 7) % 20_000}` : `x${i}`}`,
    content: -i,
  }));
}

/** `count` splices spread over a string of `length`, each replacing three code points by three others. */
export function splicePatches(range: string, count: number, length: number): JsonPatch[] {
  return Array.from({ length: count }, (_, i) => {
    const at = (i * 7919) % (length - 3);
    return { range: `${range}[${at}:${at + 3}]`, content: 'abc' };
  });
}

/**
 * The demo's thresholds with a hostile write: one patch puts a 20,000-key object under a new key, then 999
 * patches edit inside it (each used to copy the whole object), and validate refuses the result (422).
 */
export function hostileThresholds(): JsonPatch[] {
  return [
    { range: '.junk', content: bigObject(20_000) },
    ...Array.from({ length: 999 }, (_, i) => ({ range: `.junk.k${i * 13}`, content: i })),
  ];
}

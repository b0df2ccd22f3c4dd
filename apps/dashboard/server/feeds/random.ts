/** A small seeded PRNG (mulberry32): initial values must be the same on every start (see seededRandom). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A generator seeded from a name. A resource's initial value is recomputed at every start and the stored
 * versions are replayed on top of it, so it must not change between starts: it is derived from this.
 */
export function seededRandom(name: string): () => number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return mulberry32(hash);
}

/** A standard normal sample (Box-Muller). */
export function gaussian(random: () => number = Math.random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

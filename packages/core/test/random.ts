// Seeded generators for property tests: small documents and ops biased to collide (few keys, short arrays).
import { applyJsonPatch } from '../src/protocol/applyJsonPatch';
import { formatJsonRange } from '../src/protocol/jsonRange';
import type { JsonPatch, PathSegment } from '../src/protocol/types';

export type Rng = () => number;

/** mulberry32: a tiny seeded PRNG so failures reproduce. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

const KEYS = ['a', 'b', 'c', 'd', 'my key', 'é'];
const CHARS = ['x', 'y', 'z', 'é', '😀', ' ', '\n', '"'];

export function randomString(r: Rng, max = 5): string {
  let s = '';
  const n = int(r, max + 1);
  for (let i = 0; i < n; i++) s += pick(r, CHARS);
  return s;
}

export function randomValue(r: Rng, depth = 2): unknown {
  const kind = depth <= 0 ? int(r, 4) : int(r, 7);
  switch (kind) {
    case 0:
      return int(r, 100);
    case 1:
      return randomString(r);
    case 2:
      return pick(r, [true, false, null]);
    case 3:
      return randomString(r, 3);
    case 4:
    case 5: {
      const o: Record<string, unknown> = {};
      const n = int(r, 4);
      for (let i = 0; i < n; i++) o[pick(r, KEYS)] = randomValue(r, depth - 1);
      return o;
    }
    default:
      return Array.from({ length: int(r, 5) }, () => randomValue(r, depth - 1));
  }
}

export function randomDoc(r: Rng): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const k of KEYS.slice(0, 2 + int(r, 3))) doc[k] = randomValue(r, 3);
  return doc;
}

const cpLength = (s: string) => [...s].length;

/**
 * A random patch that applies to `doc`, with absolute indices: key sets/deletes, element sets, splices and
 * inserts on arrays and strings, subtree replacements.
 */
export function randomPatch(r: Rng, doc: unknown): JsonPatch {
  const path: PathSegment[] = [];
  let node = doc;
  // Walk down a random distance.
  for (;;) {
    const descend = r() < 0.55;
    if (Array.isArray(node) && node.length && descend) {
      const i = int(r, node.length);
      if (typeof node[i] === 'object' && node[i] !== null) {
        path.push(i);
        node = node[i];
        continue;
      }
      if (typeof node[i] === 'string' && r() < 0.5) {
        path.push(i);
        node = node[i];
        break;
      }
    } else if (node && typeof node === 'object' && !Array.isArray(node) && descend) {
      const keys = Object.keys(node);
      if (keys.length) {
        const k = pick(r, keys);
        const child = (node as Record<string, unknown>)[k];
        if ((typeof child === 'object' && child !== null) || (typeof child === 'string' && r() < 0.6)) {
          path.push(k);
          node = child;
          if (typeof child === 'string') break;
          continue;
        }
      }
    }
    break;
  }
  if (typeof node === 'string') {
    const len = cpLength(node);
    const s = int(r, len + 1);
    const e = r() < 0.4 ? s : s + int(r, len - s + 1);
    const content = r() < 0.25 ? undefined : randomString(r, 3);
    const range = formatJsonRange({ path, slice: [s, e] });
    return content === undefined || content === '' ? { range } : { range, content };
  }
  if (Array.isArray(node)) {
    const len = node.length;
    const choice = int(r, 4);
    if (choice === 0 && len)
      return { range: formatJsonRange([...path, int(r, len)]), content: randomValue(r, 1) };
    if (choice === 1 && len) return { range: formatJsonRange([...path, int(r, len)]) }; // element delete
    const s = int(r, len + 1);
    const e = r() < 0.4 ? s : s + int(r, len - s + 1);
    const items = Array.from({ length: int(r, 3) }, () => randomValue(r, 1));
    const range = formatJsonRange({ path, slice: [s, e] });
    return items.length || r() < 0.5 ? { range, content: items } : { range };
  }
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  const key = keys.length && r() < 0.7 ? pick(r, keys) : pick(r, KEYS);
  const choice = int(r, 5);
  if (choice === 0) return { range: formatJsonRange([...path, key]) }; // delete (maybe missing)
  if (choice === 1 && obj[key] && typeof obj[key] === 'object') {
    // Replace a subtree with a variant that sometimes keeps its shape, so inner edits may still resolve.
    return { range: formatJsonRange([...path, key]), content: mutateShape(r, obj[key]) };
  }
  return { range: formatJsonRange([...path, key]), content: randomValue(r, 2) };
}

function mutateShape(r: Rng, v: unknown): unknown {
  // Sometimes the replacement has another type (an array becomes a string...): inner edits must not resolve.
  if (r() < 0.2)
    return Array.isArray(v) ? randomString(r, 6) : Array.from({ length: int(r, 4) }, () => randomValue(r, 0));
  if (Array.isArray(v)) return r() < 0.5 ? v.slice(0, int(r, v.length + 1)) : [...v, randomValue(r, 1)];
  if (v && typeof v === 'object') {
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const k of Object.keys(copy))
      if (r() < 0.3) copy[k] = r() < 0.5 ? randomValue(r, 1) : mutateShape(r, copy[k]);
    return copy;
  }
  return randomValue(r, 1);
}

/** A sequence of 1..max patches, each valid on the state the previous ones produce. */
export function randomPatches(r: Rng, doc: unknown, max = 3): { patches: JsonPatch[]; value: unknown } {
  const patches: JsonPatch[] = [];
  let value = doc;
  const n = 1 + int(r, max);
  for (let i = 0; i < n; i++) {
    const p = randomPatch(r, value);
    value = applyJsonPatch(value, p);
    patches.push(p);
  }
  return { patches, value };
}

import { codePointLength } from './codePoints';
import { formatKey } from './jsonRange';
import { type Change, myersChanges } from './myers';
import type { JsonPatch } from './types';

// Turns "the value before" and "the value after" into json range patches. Unchanged subtrees are skipped by
// identity first (immer and spreads keep them), so the cost follows what changed, not the document size.
// Strings become code-point splices of what changed, so concurrent typists keep each other's characters.

export interface DiffOptions {
  /**
   * Find each changed run inside strings and arrays (Myers diff; array items compared by value) instead of one
   * splice from the first to the last difference. Costs more; use it when the two values share no structure
   * (e.g. a fresh snapshot against what we had), so that concurrent edits between the changes survive.
   */
  precise?: boolean;
  /**
   * More patches than this: stop diffing and return one patch instead, a replacement of the deepest
   * container holding every change (found by identity, as immer keeps what it did not touch). A recipe
   * touching 200,000 items then costs O(maxPatches + the widths along that path), not 200,000 patches.
   */
  maxPatches?: number;
}

/** Thrown when a diff passes maxPatches (caught in diffJson); `limit` is that of the diff running. */
const TOO_MANY = {};
let limit = Number.POSITIVE_INFINITY;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isContainer = (v: unknown) => typeof v === 'object' && v !== null;
/** Longest changed middle of an array diffed element by element; longer ones are spliced whole. */
const ARRAY_DIFF_LIMIT = 2000;

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

// Ranges are built as text on the way down (a child's range is its parent's plus one segment), not formatted
// from a path per patch: a recipe that changes 200,000 items makes 200,000 of them.
function splice(at: string, start: number, end: number, content: unknown[] | string): JsonPatch {
  const range = `${at}[${start}:${end}]`;
  return content.length ? { range, content } : { range };
}

/** Common prefix and suffix (in UTF-16 units, never splitting a surrogate pair). */
function trimStrings(a: string, b: string): [number, number] {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  if (p > 0 && isHighSurrogate(a.charCodeAt(p - 1))) p--;
  let s = 0;
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  if (s > 0 && isLowSurrogate(a.charCodeAt(a.length - s))) s--;
  return [p, s];
}

function diffString(at: string, a: string, b: string, out: JsonPatch[], precise: boolean): void {
  const [p, s] = trimStrings(a, b);
  const start = codePointLength(a.slice(0, p));
  const am = a.slice(p, a.length - s);
  const bm = b.slice(p, b.length - s);
  const changes = precise && am && bm ? myersChanges([...am], [...bm], (x, y) => x === y) : undefined;
  if (!changes) {
    out.push(splice(at, start, start + codePointLength(am), bm));
    return;
  }
  const bPoints = [...bm];
  let shift = 0; // earlier changes already applied
  for (const c of changes) {
    const inserted = bPoints.slice(c.bStart, c.bEnd).join('');
    out.push(splice(at, start + c.aStart + shift, start + c.aEnd + shift, inserted));
    shift += c.bEnd - c.bStart - (c.aEnd - c.aStart);
  }
}

function diffArray(at: string, a: unknown[], b: unknown[], out: JsonPatch[], precise: boolean): void {
  const same = precise ? deepEqual : Object.is;
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && same(a[p], b[p])) p++;
  let s = 0;
  while (s < max - p && same(a[a.length - 1 - s], b[b.length - 1 - s])) s++;
  const am = a.slice(p, a.length - s);
  const bm = b.slice(p, b.length - s);
  if (am.length === 0 && bm.length === 0) return;
  // Items kept in the changed middle (moves, inserts, removals around them): splice only the runs between.
  const small = am.length <= ARRAY_DIFF_LIMIT && bm.length <= ARRAY_DIFF_LIMIT;
  const kept = small && (precise || am.some((x) => bm.includes(x)));
  const changes: Change[] | undefined = kept ? myersChanges(am, bm, same) : undefined;
  const runs = changes ?? [{ aStart: 0, aEnd: am.length, bStart: 0, bEnd: bm.length }];
  let shift = p;
  for (const c of runs) {
    const removed = am.slice(c.aStart, c.aEnd);
    const added = bm.slice(c.bStart, c.bEnd);
    if (removed.length === added.length && removed.every((x, i) => isContainer(x) && isContainer(added[i]))) {
      // Same shape: edit item by item, so concurrent edits to other fields of an item survive.
      for (let i = 0; i < removed.length; i++)
        diffValue(`${at}[${c.aStart + shift + i}]`, removed[i], added[i], out, precise);
    } else out.push(splice(at, c.aStart + shift, c.aEnd + shift, added));
    shift += added.length - removed.length;
  }
}

function diffObject(
  at: string,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  out: JsonPatch[],
  precise: boolean,
): void {
  for (const k of Object.keys(a)) if (!Object.hasOwn(b, k)) out.push({ range: at + formatKey(k) });
  for (const k of Object.keys(b)) {
    if (!Object.hasOwn(a, k)) out.push({ range: at + formatKey(k), content: b[k] });
    else diffValue(at + formatKey(k), a[k], b[k], out, precise);
  }
}

function diffValue(at: string, a: unknown, b: unknown, out: JsonPatch[], precise: boolean): void {
  if (a === b) return;
  // (Checked per value: one container's own patches may pass the limit by its width, which its diff costs.)
  if (out.length > limit) throw TOO_MANY;
  if (typeof a === 'string' && typeof b === 'string') diffString(at, a, b, out, precise);
  else if (Array.isArray(a) && Array.isArray(b)) diffArray(at, a, b, out, precise);
  else if (isObject(a) && isObject(b)) diffObject(at, a, b, out, precise);
  else if (!deepEqual(a, b)) out.push({ range: at, content: b });
}

/**
 * Json range patches that turn `prev` into `next` (applied in order). Identical references are skipped without
 * looking inside; strings change by code-point splices; arrays by splices around the items that stayed.
 */
export function diffJson(prev: unknown, next: unknown, options: DiffOptions = {}): JsonPatch[] {
  const out: JsonPatch[] = [];
  limit = options.maxPatches ?? Number.POSITIVE_INFINITY;
  try {
    diffValue('', prev, next, out, options.precise ?? false);
  } catch (error) {
    if (error !== TOO_MANY) throw error;
  }
  return out.length > limit ? [changedContainer(prev, next)] : out;
}

/** The deepest container holding every change: down while exactly one member differs and stays a container. */
function changedContainer(prev: unknown, next: unknown): JsonPatch {
  let at = '';
  for (;;) {
    const a = prev as Record<string, unknown>;
    const b = next as Record<string, unknown>;
    const changed: string[] = [];
    // Same kind, and (arrays) the same length or (objects) no key removed: else this is the container.
    if (
      isContainer(a) &&
      isContainer(b) &&
      (Array.isArray(a)
        ? Array.isArray(b) && a.length === b.length
        : isObject(b) && Object.keys(a).length <= Object.keys(b).length)
    )
      for (const k in b) if (a[k] !== b[k] && changed.push(k) > 1) break;
    const k = changed[0];
    if (changed.length !== 1 || !isContainer(a[k]) || !isContainer(b[k])) return { range: at, content: next };
    at += Array.isArray(b) ? `[${k}]` : formatKey(k);
    prev = a[k];
    next = b[k];
  }
}

import { codePointLength } from './codePoints';
import { formatJsonRange } from './jsonRange';
import type { JsonPatch, PathSegment } from './types';

// Turns "the value before" and "the value after" into json range patches. Unchanged subtrees are skipped by
// identity first (immer and spreads keep them), so the cost follows what changed, not the document size.
// Strings become one code-point splice of the changed span, so concurrent typists keep each other's characters.

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** Longest middle for which arrays are diffed element by element (LCS by identity); longer ones are spliced whole. */
const LCS_LIMIT = 256;

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

/** The splice that turns string `a` into `b`: common prefix and suffix kept, in code points. */
function diffString(path: PathSegment[], a: string, b: string, out: JsonPatch[]): void {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  if (p > 0 && isHighSurrogate(a.charCodeAt(p - 1))) p--; // never split a surrogate pair
  let s = 0;
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  if (s > 0 && isLowSurrogate(a.charCodeAt(a.length - s))) s--;
  const start = codePointLength(a.slice(0, p));
  const removed = codePointLength(a.slice(p, a.length - s));
  const inserted = b.slice(p, b.length - s);
  const range = formatJsonRange({ path, slice: [start, start + removed] });
  out.push(inserted ? { range, content: inserted } : { range });
}
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function diffArray(path: PathSegment[], a: unknown[], b: unknown[], out: JsonPatch[]): void {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a[p] === b[p]) p++;
  let s = 0;
  while (s < max - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const am = a.slice(p, a.length - s);
  const bm = b.slice(p, b.length - s);
  if (am.length === 0 && bm.length === 0) return;
  // Shared elements in the changed middle mean moves, inserts or removals: splice around what stayed.
  const shared = am.length <= LCS_LIMIT && bm.length <= LCS_LIMIT && am.some((x) => bm.includes(x));
  if (shared) {
    diffByIdentity(path, p, am, bm, out);
    return;
  }
  if (am.length === bm.length) {
    // Same shape: edit element by element, so concurrent edits to other fields of an element survive.
    for (let i = 0; i < am.length; i++) diffValue([...path, p + i], am[i], bm[i], out);
    return;
  }
  out.push({ range: formatJsonRange({ path, slice: [p, p + am.length] }), content: bm });
}

/** Elements were reordered: keep the longest common subsequence (by identity) in place, splice the rest. */
function diffByIdentity(
  path: PathSegment[],
  offset: number,
  a: unknown[],
  b: unknown[],
  out: JsonPatch[],
): void {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  // Walk the table, emitting splices for runs outside the common subsequence. `at` tracks the index in the
  // partially edited array (earlier splices already applied).
  let i = 0;
  let j = 0;
  let at = offset;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
      at++;
      continue;
    }
    const i0 = i;
    const j0 = j;
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) i++;
      else j++;
    }
    const items = b.slice(j0, j);
    const range = formatJsonRange({ path, slice: [at, at + (i - i0)] });
    out.push(items.length ? { range, content: items } : { range });
    at += items.length;
  }
}

function diffValue(path: PathSegment[], a: unknown, b: unknown, out: JsonPatch[]): void {
  if (a === b) return;
  if (typeof a === 'string' && typeof b === 'string') diffString(path, a, b, out);
  else if (Array.isArray(a) && Array.isArray(b)) diffArray(path, a, b, out);
  else if (isObject(a) && isObject(b)) diffObject(path, a, b, out);
  else if (!deepEqual(a, b)) out.push({ range: formatJsonRange(path), content: b });
}

function diffObject(
  path: PathSegment[],
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  out: JsonPatch[],
): void {
  for (const k of Object.keys(a))
    if (!Object.hasOwn(b, k)) out.push({ range: formatJsonRange([...path, k]) });
  for (const k of Object.keys(b)) {
    if (!Object.hasOwn(a, k)) out.push({ range: formatJsonRange([...path, k]), content: b[k] });
    else diffValue([...path, k], a[k], b[k], out);
  }
}

/**
 * Minimal json range patches that turn `prev` into `next` (applied in order). Identical references are skipped
 * without looking inside; strings change by a code-point splice; arrays by splices.
 */
export function diffJson(prev: unknown, next: unknown): JsonPatch[] {
  const out: JsonPatch[] = [];
  diffValue([], prev, next, out);
  return out;
}

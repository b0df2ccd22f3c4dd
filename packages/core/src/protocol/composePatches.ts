import { codePointToIndex } from './codePoints';
import { formatJsonRange } from './jsonRange';
import { fromOp, type Op, toOp } from './ops';
import type { JsonPatch, PathSegment } from './types';

// Composing local edits before they are sent: a buffer of writes made while offline (or while one write is in
// flight) should grow with what changed, not with how many keystrokes made the change. Inputs are absolute
// (as diffJson makes them): composition reasons about indices, so negative ones would be wrong here.

type Splice = Extract<Op, { t: 'splice' }>;

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false;
  return true;
}

/** `content[from, to)` of a splice's `n` units (code points for a string, items for an array). */
function sliceContent(content: Splice['content'], n: number, from: number, to: number): unknown[] | string {
  if (content === undefined) return '';
  if (from === 0 && to >= n) return content; // typing at the end: no scan
  if (typeof content !== 'string') return content.slice(from, to);
  const a = codePointToIndex(content, from);
  const b = codePointToIndex(content, to);
  return content.slice(a, b < 0 ? content.length : b);
}

function concatContent(parts: (unknown[] | string)[], asString: boolean): unknown[] | string | undefined {
  if (asString) {
    const s = (parts as string[]).join('');
    return s.length ? s : undefined;
  }
  const items: unknown[] = [];
  for (const part of parts) for (const item of part as unknown[]) items.push(item);
  return items.length ? items : undefined;
}

/**
 * `first` then `second` on the same array or string as one splice, when they touch (the second's range meets
 * what the first removed or inserted); undefined when they are apart. Indices of `second` are in the state
 * after `first`; the result's are in the state before it.
 */
function mergeSplices(first: Splice, second: Splice): Splice | undefined {
  const { start: s, end: e, n } = first;
  const { start: s2, end: e2 } = second;
  if (s2 > s + n || e2 < s) return undefined;
  const isArray = Array.isArray(first.content) || Array.isArray(second.content);
  const asString = typeof first.content === 'string' || typeof second.content === 'string';
  if (isArray && asString) return undefined; // not the same kind of container: leave it to apply to refuse
  const head = s2 > s ? sliceContent(first.content, n, 0, s2 - s) : asString ? '' : [];
  const tail = e2 < s + n ? sliceContent(first.content, n, e2 - s, n) : asString ? '' : [];
  const middle = second.content ?? (asString ? '' : []);
  const content = concatContent([head, middle, tail], asString);
  const start = Math.min(s, s2);
  const end = e2 > s + n ? e + (e2 - (s + n)) : e;
  const count = (s2 > s ? s2 - s : 0) + second.n + (e2 < s + n ? s + n - e2 : 0);
  return { t: 'splice', path: first.path, start, end, content, n: count };
}

const isNoOp = (op: Splice) => op.start === op.end && op.n === 0;

/**
 * Appends `patches` to `buffer` (in place), composing each with the buffer's last patch where that is exact:
 * a set or delete drops the patches just before it that only changed things inside what it replaces, and a
 * splice that meets the previous splice of the same array or string merges with it (typing, backspacing).
 * Applying the buffer afterwards gives the same value as applying it and then `patches`.
 */
export function appendComposed(buffer: JsonPatch[], patches: readonly JsonPatch[]): void {
  for (const patch of patches) {
    const op = toOp(patch);
    let next: Op | undefined = op;
    while (next && buffer.length) {
      const last = toOp(buffer[buffer.length - 1]);
      if (next.t !== 'splice' && startsWith(last.path, next.path)) {
        buffer.pop(); // overwritten or removed whole by `next`
        continue;
      }
      if (next.t === 'splice' && last.t === 'splice' && samePath(last.path, next.path)) {
        const merged = mergeSplices(last, next);
        if (merged) {
          buffer.pop();
          next = isNoOp(merged) ? undefined : merged;
          continue;
        }
      }
      break;
    }
    if (next) buffer.push(next === op ? patch : fromOp(next));
  }
}

const samePath = (p: readonly PathSegment[], q: readonly PathSegment[]) =>
  p.length === q.length && startsWith(p, q);

function valueAt(doc: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let node = doc;
  for (const seg of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg))
      return { found: false, value: undefined };
    node = (node as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: node };
}

/**
 * One patch with the same effect as `patches` applied to the state they were made on, given `next`, the state
 * they produce: a replacement of the deepest container that holds every change. For one change too large to
 * send as patches (a recipe touching 200,000 items): it goes as one write, atomically, and is smaller on the
 * wire than its patches. Indices above that container are not shifted by any of the patches (a splice of an
 * ancestor would make the ancestor the common container), so its path means the same before and after.
 */
export function collapsePatches(patches: readonly JsonPatch[], next: unknown): JsonPatch[] {
  if (patches.length <= 1) return patches.slice();
  // Compared as range text (no parse per patch: there may be 200,000): the common text prefix, cut back to
  // the longest path prefix of the first patch that ends on a segment boundary in every range.
  let common = patches[0].range;
  for (let i = 1; i < patches.length && common.length; i++) {
    const range = patches[i].range;
    let k = 0;
    while (k < common.length && k < range.length && common.charCodeAt(k) === range.charCodeAt(k)) k++;
    if (k < common.length) common = common.slice(0, k);
  }
  const path = toOp(patches[0]).path;
  let depth = 0;
  for (let d = path.length; d > 0; d--) {
    const prefix = formatJsonRange(path.slice(0, d));
    if (common.startsWith(prefix) && patches.every((p) => isBoundary(p.range, prefix.length))) {
      depth = d;
      break;
    }
  }
  const container = path.slice(0, depth);
  const at = valueAt(next, container);
  const range = formatJsonRange(container);
  return [at.found ? { range, content: at.value } : { range }];
}

/** Whether a path segment of `range` ends at `i` (the range ends there, or the next segment starts). */
function isBoundary(range: string, i: number): boolean {
  return i === range.length || range[i] === '.' || range[i] === '[';
}

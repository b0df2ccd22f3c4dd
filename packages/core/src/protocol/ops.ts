import { codePointLength } from './codePoints';
import { formatJsonRange, parseJsonRange } from './jsonRange';
import type { JsonPatch, PathSegment } from './types';

/**
 * A json range patch in the form apply and transform work on:
 * - set: put `value` at `path` (an object key, an array element, or the whole document when path is []);
 * - del: remove object key `path` (its last segment is a key);
 * - splice: replace items [start, end) of the array or string at `path` by `content` (n items / code points).
 */
export type Op =
  | { t: 'set'; path: PathSegment[]; value: unknown }
  | { t: 'del'; path: PathSegment[] }
  | {
      t: 'splice';
      path: PathSegment[];
      start: number;
      end: number;
      content: unknown[] | string | undefined;
      n: number;
    };

export function contentLength(content: unknown[] | string | undefined): number {
  if (content === undefined) return 0;
  return typeof content === 'string' ? codePointLength(content) : content.length;
}

const opCache = new WeakMap<JsonPatch, Op>();

/** Reads a JsonPatch as an Op (cached per patch object: history patches are transformed many times). */
export function toOp(patch: JsonPatch): Op {
  const hit = opCache.get(patch);
  if (hit) return hit;
  const { path, slice } = parseJsonRange(patch.range);
  const content = patch.content;
  const last = path[path.length - 1];
  let op: Op;
  if (slice) {
    const items = content === undefined ? undefined : (content as unknown[] | string);
    op = { t: 'splice', path, start: slice[0], end: slice[1], content: items, n: contentLength(items) };
  } else if (content !== undefined) {
    op = { t: 'set', path, value: content };
  } else if (typeof last === 'number' && last >= 0 && !Object.is(last, -0)) {
    // `[i]` without content removes the element, exactly like `[i:i+1]`. (A negative `[i]` stays a `del`
    // until resolveOp knows the length.)
    op = { t: 'splice', path: path.slice(0, -1), start: last, end: last + 1, content: undefined, n: 0 };
  } else {
    op = { t: 'del', path };
  }
  opCache.set(patch, op);
  return op;
}

/** Writes an Op back as a JsonPatch. */
export function fromOp(op: Op): JsonPatch {
  let patch: JsonPatch;
  if (op.t === 'set') patch = { range: formatJsonRange(op.path), content: op.value };
  else if (op.t === 'del') patch = { range: formatJsonRange(op.path) };
  else {
    const range = formatJsonRange({ path: op.path, slice: [op.start, op.end] });
    patch = op.content === undefined ? { range } : { range, content: op.content };
  }
  opCache.set(patch, op);
  return patch;
}

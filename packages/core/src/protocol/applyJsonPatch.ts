import { codePointLength, codePointToIndex } from './codePoints';
import { BraidProtocolError } from './errors';
import { FORBIDDEN_KEYS } from './jsonRange';
import { fromOp, type Op, toOp } from './ops';
import type { JsonPatch, PathSegment } from './types';

type JsonObject = Record<string, unknown>;

function bad(message: string): never {
  throw new BraidProtocolError('bad-patch', message);
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNegative = (n: number) => n < 0 || Object.is(n, -0);

function checkKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key))
    throw new BraidProtocolError('forbidden-key', `forbidden key ${JSON.stringify(key)}`);
}

/** Resolves an index against a length: negative counts from the end, -0 is the end. */
function resolveIndex(i: number, length: number): number {
  return isNegative(i) ? length + i : i;
}

/** Segment `depth` of `path` inside `node`; the path prefix is only materialized for an error message. */
function child(node: unknown, path: PathSegment[], depth: number): { value: unknown; seg: PathSegment } {
  const seg = path[depth];
  if (typeof seg === 'number') {
    if (!Array.isArray(node)) bad(`index [${seg}] into a non-array at ${where(path.slice(0, depth))}`);
    const i = resolveIndex(seg, node.length);
    if (i < 0 || i >= node.length)
      bad(`index [${seg}] out of range (length ${node.length}) at ${where(path.slice(0, depth))}`);
    return { value: node[i], seg: i };
  }
  checkKey(seg);
  if (!isObject(node)) bad(`key ${JSON.stringify(seg)} into a non-object at ${where(path.slice(0, depth))}`);
  if (!Object.hasOwn(node, seg)) bad(`no key ${JSON.stringify(seg)} at ${where(path.slice(0, depth))}`);
  return { value: node[seg], seg };
}

const where = (path: PathSegment[]) =>
  path.length ? path.map((s) => JSON.stringify(s)).join('/') : 'the root';

function withChild(node: unknown, seg: PathSegment, value: unknown): unknown {
  if (Array.isArray(node)) {
    const copy = node.slice();
    copy[seg as number] = value;
    return copy;
  }
  return { ...(node as JsonObject), [seg]: value };
}

function spliceValue(
  node: unknown,
  op: Extract<Op, { t: 'splice' }>,
  at: PathSegment[],
): { value: unknown; op: Op } {
  let length: number;
  if (Array.isArray(node)) {
    if (op.content !== undefined && !Array.isArray(op.content))
      bad(`slice content for an array must be an array at ${where(at)}`);
    length = node.length;
  } else if (typeof node === 'string') {
    if (op.content !== undefined && typeof op.content !== 'string')
      bad(`slice content for a string must be a string at ${where(at)}`);
    length = codePointLength(node);
  } else {
    bad(`slice of a value that is neither an array nor a string at ${where(at)}`);
  }
  const start = resolveIndex(op.start, length);
  const end = resolveIndex(op.end, length);
  if (start < 0 || end < start || end > length)
    bad(`slice [${op.start}:${op.end}] out of range (length ${length}) at ${where(at)}`);
  const resolved =
    start === op.start && end === op.end && !Object.is(op.start, -0) && !Object.is(op.end, -0)
      ? op
      : { ...op, start, end };
  if (Array.isArray(node)) {
    const items = (op.content as unknown[] | undefined) ?? [];
    if (start === end && items.length === 0) return { value: node, op: resolved };
    return { value: [...node.slice(0, start), ...items, ...node.slice(end)], op: resolved };
  }
  const s = node as string;
  const from = codePointToIndex(s, start);
  const to = codePointToIndex(s, end);
  return { value: s.slice(0, from) + ((op.content as string | undefined) ?? '') + s.slice(to), op: resolved };
}

/** The value at the end of `op`'s container path after applying the op's leaf change. */
function applyLeaf(node: unknown, op: Op, at: PathSegment[]): { value: unknown; op: Op } {
  if (op.t === 'splice') return spliceValue(node, op, at);
  const last = op.path[op.path.length - 1];
  if (typeof last === 'number') {
    const length = Array.isArray(node) ? node.length : typeof node === 'string' ? codePointLength(node) : -1;
    if (length < 0) bad(`index [${last}] into a value that is neither an array nor a string at ${where(at)}`);
    const i = resolveIndex(last, length);
    if (i < 0 || i >= length) bad(`index [${last}] out of range (length ${length}) at ${where(at)}`);
    if (op.t === 'del') {
      // Removing an element (or a code point) is the splice [i:i+1].
      const splice: Op = {
        t: 'splice',
        path: op.path.slice(0, -1),
        start: i,
        end: i + 1,
        content: undefined,
        n: 0,
      };
      return spliceValue(node, splice, at);
    }
    // Setting `[i]` is for array elements only: a string changes by slices (the transform relies on it).
    if (typeof node === 'string') bad(`cannot set index [${last}] of a string (use a slice) at ${where(at)}`);
    const arr = node as unknown[];
    const resolved = i === last ? op : { ...op, path: [...op.path.slice(0, -1), i] };
    if (arr[i] === op.value) return { value: node, op: resolved };
    return { value: withChild(arr, i, op.value), op: resolved };
  }
  checkKey(last);
  if (!isObject(node)) bad(`key ${JSON.stringify(last)} into a non-object at ${where(at)}`);
  if (op.t === 'del') {
    if (!Object.hasOwn(node, last)) return { value: node, op }; // deleting a missing key is a no-op
    const { [last]: _removed, ...rest } = node;
    return { value: rest, op };
  }
  if (node[last] === op.value && Object.hasOwn(node, last)) return { value: node, op };
  return { value: withChild(node, last, op.value), op };
}

/**
 * Applies one op immutably: only the containers on its path are copied (structural sharing). Resolves negative
 * indices and -0 against the state it applies to, and returns the op with absolute indices.
 */
export function applyOp(doc: unknown, op: Op): { value: unknown; op: Op } {
  if (op.t === 'set' && op.path.length === 0) return { value: op.value, op };
  if (op.t === 'del' && op.path.length === 0) bad('cannot delete the whole document');
  const containerPath = op.t === 'splice' ? op.path : op.path.slice(0, -1);
  const nodes: unknown[] = [doc];
  const segs: PathSegment[] = [];
  let node = doc;
  for (let i = 0; i < containerPath.length; i++) {
    const next = child(node, containerPath, i);
    segs.push(next.seg);
    node = next.value;
    nodes.push(node);
  }
  const leaf = applyLeaf(node, op, containerPath);
  let value = leaf.value;
  for (let i = containerPath.length - 1; i >= 0; i--) {
    if (value === nodes[i + 1]) return { value: doc, op: withResolvedPath(leaf.op, segs, containerPath) };
    value = withChild(nodes[i], segs[i], value);
  }
  return { value, op: withResolvedPath(leaf.op, segs, containerPath) };
}

/** Puts the resolved (absolute) container segments back into the op's path when any was negative. */
function withResolvedPath(op: Op, segs: PathSegment[], containerPath: PathSegment[]): Op {
  if (segs.every((s, i) => s === containerPath[i] && !Object.is(containerPath[i], -0))) return op;
  const tail = op.path.slice(segs.length);
  return { ...op, path: [...segs, ...tail] } as Op;
}

/** Applies one json range patch immutably (structural sharing). Throws BraidProtocolError when it does not apply. */
export function applyJsonPatch<T>(doc: T, patch: JsonPatch): T {
  return applyOp(doc, toOp(patch)).value as T;
}

/** Applies patches in order. */
export function applyJsonPatches<T>(doc: T, patches: readonly JsonPatch[]): T {
  let value: unknown = doc;
  for (const patch of patches) value = applyOp(value, toOp(patch)).value;
  return value as T;
}

/**
 * Applies patches in order and returns them with negative indices and -0 made absolute (and element deletes as
 * slices), each resolved against the state the previous ones produced: history and transform only see these.
 */
export function resolveJsonPatches<T>(
  doc: T,
  patches: readonly JsonPatch[],
): { value: T; patches: JsonPatch[] } {
  let value: unknown = doc;
  const resolved: JsonPatch[] = [];
  for (const patch of patches) {
    const op = toOp(patch);
    const result = applyOp(value, op);
    value = result.value;
    resolved.push(result.op === op ? patch : fromOp(result.op));
  }
  return { value: value as T, patches: resolved };
}

import { codePointLength, codePointToIndex } from './codePoints';
import { BraidProtocolError } from './errors';
import { FORBIDDEN_KEYS } from './jsonRange';
import { fromOp, type Op, toOp } from './ops';
import { TEXT_BUFFER_MIN_LENGTH, TextBuffer } from './textBuffer';
import type { JsonPatch, PathSegment } from './types';

// Applying the patches of one write (DESIGN.md section 9). The input is never changed: a container on a patch's
// path is copied the first time the write touches it, and later patches of the same write change that copy in
// place, so k patches into one container cost O(k + depth) plus one copy of it, not k copies. Untouched
// subtrees keep their identity (structural sharing), and a patch that changes nothing copies nothing. A long
// string spliced by the write is held as a TextBuffer until the write is done.

type JsonObject = Record<string, unknown>;
type Splice = Extract<Op, { t: 'splice' }>;

function bad(message: string): never {
  throw new BraidProtocolError('bad-patch', message);
}

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TextBuffer);
const isText = (v: unknown): v is string | TextBuffer => typeof v === 'string' || v instanceof TextBuffer;
const textLength = (v: string | TextBuffer) => (typeof v === 'string' ? codePointLength(v) : v.length);
const isNegative = (n: number) => n < 0 || Object.is(n, -0);

function checkKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key))
    throw new BraidProtocolError('forbidden-key', `forbidden key ${JSON.stringify(key)}`);
}

/** Resolves an index against a length: negative counts from the end, -0 is the end. */
function resolveIndex(i: number, length: number): number {
  return isNegative(i) ? length + i : i;
}

const where = (path: readonly PathSegment[]) =>
  path.length ? path.map((s) => JSON.stringify(s)).join('/') : 'the root';

/** Segment `depth` of `path` inside `node`, resolved; the path prefix is only materialized for an error message. */
function childSegment(node: unknown, path: readonly PathSegment[], depth: number): PathSegment {
  const seg = path[depth];
  if (typeof seg === 'number') {
    if (!Array.isArray(node)) bad(`index [${seg}] into a non-array at ${where(path.slice(0, depth))}`);
    const i = resolveIndex(seg, node.length);
    if (i < 0 || i >= node.length)
      bad(`index [${seg}] out of range (length ${node.length}) at ${where(path.slice(0, depth))}`);
    return i;
  }
  checkKey(seg);
  if (!isObject(node)) bad(`key ${JSON.stringify(seg)} into a non-object at ${where(path.slice(0, depth))}`);
  if (!Object.hasOwn(node, seg)) bad(`no key ${JSON.stringify(seg)} at ${where(path.slice(0, depth))}`);
  return seg;
}

/** What one op does to its container, decided before anything is copied. */
type Change =
  | { kind: 'none' }
  | { kind: 'put'; key: PathSegment; value: unknown }
  | { kind: 'remove'; key: string }
  | { kind: 'splice'; start: number; end: number };

/**
 * The patches of one write, applied in turn to a working copy of the document. `finish()` gives the result;
 * until then the copies belong to the write and are changed in place.
 */
export class PatchWriter {
  private root: unknown;
  /** Containers this write copied: changed in place from then on. */
  private readonly owned = new Set<object>();
  private texts = 0;

  constructor(doc: unknown) {
    this.root = doc;
  }

  /**
   * Applies one op; returns it with negative indices and -0 made absolute (and an element delete as a slice).
   * Throws BraidProtocolError when it does not apply (the input document is never changed).
   */
  apply(op: Op): Op {
    if (op.t === 'set' && op.path.length === 0) {
      this.root = op.value;
      return op;
    }
    if (op.t === 'del' && op.path.length === 0) bad('cannot delete the whole document');
    const containerDepth = op.t === 'splice' ? op.path.length : op.path.length - 1;
    // Read-only walk first: errors and no-ops leave the working copy as it is.
    const segs: PathSegment[] = new Array(containerDepth);
    let node = this.root;
    for (let i = 0; i < containerDepth; i++) {
      const seg = childSegment(node, op.path, i);
      segs[i] = seg;
      node = (node as JsonObject)[seg as string];
    }
    const { change, resolved } = this.decide(node, op, containerDepth);
    const out = withResolvedPath(resolved, segs, op.path);
    if (change.kind === 'none') return out;
    this.write(segs, change, resolved);
    return out;
  }

  /** The document after every op applied so far. */
  finish(): unknown {
    if (this.texts > 0) this.root = this.materialize(this.root);
    this.owned.clear();
    this.texts = 0;
    return this.root;
  }

  /** What `op` does to `node`, the value at depth `depth` of its path (the prefix is sliced only when needed). */
  private decide(node: unknown, op: Op, depth: number): { change: Change; resolved: Op } {
    const at = () => op.path.slice(0, depth);
    if (op.t === 'splice') return decideSplice(node, op, at);
    const last = op.path[op.path.length - 1];
    if (typeof last === 'number') {
      const length = Array.isArray(node) ? node.length : isText(node) ? textLength(node) : -1;
      if (length < 0)
        bad(`index [${last}] into a value that is neither an array nor a string at ${where(at())}`);
      const i = resolveIndex(last, length);
      if (i < 0 || i >= length) bad(`index [${last}] out of range (length ${length}) at ${where(at())}`);
      if (op.t === 'del') {
        // Removing an element (or a code point) is the splice [i:i+1].
        const splice: Splice = { t: 'splice', path: at(), start: i, end: i + 1, content: undefined, n: 0 };
        return { change: { kind: 'splice', start: i, end: i + 1 }, resolved: splice };
      }
      // Setting `[i]` is for array elements only: a string changes by slices (the transform relies on it).
      if (!Array.isArray(node)) bad(`cannot set index [${last}] of a string (use a slice) at ${where(at())}`);
      const resolved: Op = i === last ? op : { ...op, path: [...at(), i] };
      if (node[i] === op.value) return { change: { kind: 'none' }, resolved };
      return { change: { kind: 'put', key: i, value: op.value }, resolved };
    }
    checkKey(last);
    if (!isObject(node)) bad(`key ${JSON.stringify(last)} into a non-object at ${where(at())}`);
    const present = Object.hasOwn(node, last);
    if (op.t === 'del')
      return { change: present ? { kind: 'remove', key: last } : { kind: 'none' }, resolved: op };
    if (present && node[last] === op.value) return { change: { kind: 'none' }, resolved: op };
    return { change: { kind: 'put', key: last, value: op.value }, resolved: op };
  }

  /** Makes the containers on the path the write's own (copying each the first time), then changes the last. */
  private write(segs: PathSegment[], change: Change, op: Op): void {
    // A splice of a string changes the string's parent slot; everything else changes a container.
    let parent: JsonObject | undefined;
    let slot: PathSegment | undefined;
    let node = this.own(this.root, undefined, undefined);
    for (const seg of segs) {
      const child = (node as JsonObject)[seg as string];
      parent = node as JsonObject;
      slot = seg;
      node = this.own(child, parent, seg);
    }
    if (change.kind === 'put') (node as JsonObject)[change.key as string] = change.value;
    else if (change.kind === 'remove') delete (node as JsonObject)[change.key];
    else if (change.kind === 'splice') {
      const splice = op as Splice;
      if (Array.isArray(node)) {
        const spliced = spliceArray(node, change.start, change.end, (splice.content as unknown[]) ?? []);
        if (spliced !== node) {
          this.owned.add(spliced);
          this.replace(spliced, parent, slot);
        }
      } else {
        const text = this.spliceText(node as string | TextBuffer, change.start, change.end, splice);
        if (text !== node) this.replace(text, parent, slot);
      }
    }
  }

  /** `value` as a container of this write: itself when already copied (or not a container), else a copy put in place. */
  private own(value: unknown, parent: JsonObject | undefined, slot: PathSegment | undefined): unknown {
    if (typeof value !== 'object' || value === null || value instanceof TextBuffer || this.owned.has(value))
      return value;
    const copy = Array.isArray(value) ? value.slice() : copyObject(value as JsonObject);
    this.owned.add(copy);
    this.replace(copy, parent, slot);
    return copy;
  }

  private replace(value: unknown, parent: JsonObject | undefined, slot: PathSegment | undefined): void {
    if (parent === undefined) this.root = value;
    else parent[slot as string] = value;
  }

  private spliceText(text: string | TextBuffer, start: number, end: number, op: Splice): string | TextBuffer {
    const content = (op.content as string | undefined) ?? '';
    if (typeof text === 'string' && text.length < TEXT_BUFFER_MIN_LENGTH) {
      const from = codePointToIndex(text, start);
      const to = codePointToIndex(text, end);
      return text.slice(0, from) + content + text.slice(to);
    }
    let buffer = text;
    if (typeof buffer === 'string') {
      buffer = new TextBuffer(buffer);
      this.texts++;
    }
    buffer.splice(start, end, content, op.n);
    return buffer;
  }

  /** Turns the TextBuffers back into strings; only containers this write copied can hold one. */
  private materialize(value: unknown): unknown {
    if (value instanceof TextBuffer) return value.toString();
    if (typeof value !== 'object' || value === null || !this.owned.has(value)) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.materialize(value[i]);
    } else {
      const record = value as JsonObject;
      for (const key in record) {
        const child = record[key];
        if (typeof child === 'object' && child !== null) record[key] = this.materialize(child);
      }
    }
    return value;
  }
}

/**
 * A shallow copy of an object. Spread is quickest for small objects but about twice as slow as a loop over
 * the keys for a big one (a 20,000-key object: 11 ms against 5). (No document holds a "__proto__" key: parse
 * and apply refuse it, so assigning each key is the same as spreading.)
 */
function copyObject(value: JsonObject): JsonObject {
  const keys = Object.keys(value);
  if (keys.length < 64) return { ...value };
  const copy: JsonObject = {};
  for (const key of keys) copy[key] = value[key];
  return copy;
}

function decideSplice(node: unknown, op: Splice, at: () => PathSegment[]): { change: Change; resolved: Op } {
  let length: number;
  if (Array.isArray(node)) {
    if (op.content !== undefined && !Array.isArray(op.content))
      bad(`slice content for an array must be an array at ${where(at())}`);
    length = node.length;
  } else if (isText(node)) {
    if (op.content !== undefined && typeof op.content !== 'string')
      bad(`slice content for a string must be a string at ${where(at())}`);
    length = textLength(node);
  } else {
    bad(`slice of a value that is neither an array nor a string at ${where(at())}`);
  }
  const start = resolveIndex(op.start, length);
  const end = resolveIndex(op.end, length);
  if (start < 0 || end < start || end > length)
    bad(`slice [${op.start}:${op.end}] out of range (length ${length}) at ${where(at())}`);
  const resolved: Op =
    start === op.start && end === op.end && !Object.is(op.start, -0) && !Object.is(op.end, -0)
      ? op
      : { ...op, start, end };
  if (start === end && op.n === 0) return { change: { kind: 'none' }, resolved };
  return { change: { kind: 'splice', start, end }, resolved };
}

/** Splices `items` into `list`, which the write owns: in place, or rebuilt when the items are too many to spread. */
function spliceArray(list: unknown[], start: number, end: number, items: unknown[]): unknown[] {
  if (items.length <= 1024) {
    list.splice(start, end - start, ...items);
    return list;
  }
  const out = list.slice(0, start);
  for (const item of items) out.push(item);
  for (let i = end; i < list.length; i++) out.push(list[i]);
  return out;
}

/** Puts the resolved (absolute) container segments back into the op's path when any was negative. */
function withResolvedPath(op: Op, segs: PathSegment[], path: readonly PathSegment[]): Op {
  let same = true;
  for (let i = 0; i < segs.length && same; i++) same = segs[i] === path[i] && !Object.is(path[i], -0);
  if (same) return op;
  const tail = op.path.slice(segs.length);
  return { ...op, path: [...segs, ...tail] } as Op;
}

/**
 * Applies one op immutably: only the containers on its path are copied (structural sharing). Resolves negative
 * indices and -0 against the state it applies to, and returns the op with absolute indices.
 */
export function applyOp(doc: unknown, op: Op): { value: unknown; op: Op } {
  const writer = new PatchWriter(doc);
  const resolved = writer.apply(op);
  return { value: writer.finish(), op: resolved };
}

/** Applies one json range patch immutably (structural sharing). Throws BraidProtocolError when it does not apply. */
export function applyJsonPatch<T>(doc: T, patch: JsonPatch): T {
  return applyOp(doc, toOp(patch)).value as T;
}

/** Applies patches in order, as one write: each container they touch is copied once. */
export function applyJsonPatches<T>(doc: T, patches: readonly JsonPatch[]): T {
  const writer = new PatchWriter(doc);
  for (const patch of patches) writer.apply(toOp(patch));
  return writer.finish() as T;
}

/**
 * Applies patches in order and returns them with negative indices and -0 made absolute (and element deletes as
 * slices), each resolved against the state the previous ones produced: history and transform only see these.
 */
export function resolveJsonPatches<T>(
  doc: T,
  patches: readonly JsonPatch[],
): { value: T; patches: JsonPatch[] } {
  const writer = new PatchWriter(doc);
  const resolved: JsonPatch[] = [];
  for (const patch of patches) {
    const op = toOp(patch);
    const result = writer.apply(op);
    resolved.push(result === op ? patch : fromOp(result));
  }
  return { value: writer.finish() as T, patches: resolved };
}

import { applyOp } from './applyJsonPatch';
import { codePointToIndex } from './codePoints';
import { fromOp, type Op, toOp } from './ops';
import type { JsonPatch, PathSegment } from './types';

function getIn(doc: unknown, path: PathSegment[]): { found: boolean; value: unknown } {
  let node = doc;
  for (const seg of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg))
      return { found: false, value: undefined };
    node = (node as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: node };
}

/** The op that undoes `op` (absolute, as applyOp resolved it) on the state `before` it applied to. */
function inverseOf(before: unknown, op: Op): Op | undefined {
  if (op.t === 'splice') {
    const container = getIn(before, op.path).value;
    const removed =
      typeof container === 'string'
        ? container.slice(codePointToIndex(container, op.start), codePointToIndex(container, op.end))
        : (container as unknown[]).slice(op.start, op.end);
    const n = typeof removed === 'string' ? [...removed].length : removed.length;
    return {
      t: 'splice',
      path: op.path,
      start: op.start,
      end: op.start + op.n,
      content: n ? removed : undefined,
      n,
    };
  }
  const old = getIn(before, op.path);
  if (old.found) return { t: 'set', path: op.path, value: old.value };
  return op.t === 'set' ? { t: 'del', path: op.path } : undefined; // deleting a missing key changed nothing
}

/**
 * Patches that undo `patches` applied to `doc`: apply(apply(doc, patches), invertPatches(doc, patches)) equals
 * doc. Exact (built from the values the patches replaced), unlike a diff, so undoing a write never touches
 * what lies between its changes.
 */
export function invertPatches(doc: unknown, patches: readonly JsonPatch[]): JsonPatch[] {
  const inverse: JsonPatch[] = [];
  let state = doc;
  for (const patch of patches) {
    const { value, op } = applyOp(state, toOp(patch));
    const undo = inverseOf(state, op);
    if (undo) inverse.push(fromOp(undo));
    state = value;
  }
  return inverse.reverse();
}

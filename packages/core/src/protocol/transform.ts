import { applyOp } from './applyJsonPatch';
import { BraidProtocolError } from './errors';
import { fromOp, type Op, toOp } from './ops';
import type { JsonPatch, PathSegment } from './types';

// Operational transform for json range patches (DESIGN.md section 5). `transformOp(a, b, bFirst)` rewrites `a` to
// apply after `b`; `bFirst` says whether the server orders b before a. The rules keep TP1:
//   apply(apply(s, b), T(a, b, f)) == apply(apply(s, a), T(b, a, !f)).
// Inputs carry absolute indices (resolveJsonPatches) — negative indices depend on a state the transform lacks.

type Splice = Extract<Op, { t: 'splice' }>;

function isPrefix(p: PathSegment[], q: PathSegment[]): boolean {
  if (p.length > q.length) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
  return true;
}
const isStrictPrefix = (p: PathSegment[], q: PathSegment[]) => p.length < q.length && isPrefix(p, q);
const samePath = (p: PathSegment[], q: PathSegment[]) => p.length === q.length && isPrefix(p, q);

function assertAbsolute(op: Op): void {
  const negative = (n: number) => n < 0 || Object.is(n, -0);
  if (
    op.path.some((s) => typeof s === 'number' && negative(s)) ||
    (op.t === 'splice' && (negative(op.start) || negative(op.end)))
  ) {
    throw new BraidProtocolError(
      'bad-patch',
      'transform needs absolute indices: resolve negative indices first',
    );
  }
}

/** `op` with the index at `depth` of its path replaced. */
function withIndex(op: Op, depth: number, index: number): Op {
  const path = op.path.slice();
  path[depth] = index;
  return { ...op, path } as Op;
}

/** `op` seen from inside the value at depth `depth` of its path (the path prefix stripped). */
function relativeTo(op: Op, depth: number): Op {
  return { ...op, path: op.path.slice(depth) } as Op;
}

/** Whether `op` (rooted at depth `depth`) applies without error inside `value`. */
function appliesWithin(value: unknown, op: Op, depth: number): boolean {
  try {
    applyOp(value, relativeTo(op, depth));
    return true;
  } catch {
    return false;
  }
}

/**
 * `a` replaces (set) or deletes the subtree at its path; `b` edits inside that subtree. The later-ordered one
 * wins; when the replacement is earlier it carries the inner edit in its content (if the edit applies there).
 */
function replacementOverInner(a: Op, b: Op, bFirst: boolean): Op | null {
  if (a.t === 'del' || bFirst) return a;
  if (a.t !== 'set') return a;
  try {
    return { t: 'set', path: a.path, value: applyOp(a.value, relativeTo(b, a.path.length)).value };
  } catch {
    return a;
  }
}

/** Both splice the same array or string. */
function spliceOverSplice(a: Splice, b: Splice, bFirst: boolean): Op | null {
  const { start: as, end: ae } = a;
  const { start: bs, end: be, n: nb } = b;
  const shift = (d: number): Op => (d === 0 ? a : { ...a, start: as + d, end: ae + d });
  const delta = nb - (be - bs);
  const aInsert = as === ae;
  const bInsert = bs === be;
  if (aInsert && bInsert) {
    if (as !== bs) return as < bs ? a : shift(nb);
    return bFirst ? shift(nb) : a; // same point: first-ordered content first
  }
  if (aInsert) {
    if (as <= bs) return a; // at the start of b's removal: before b's content
    if (as === be) return { ...a, start: bs + nb, end: bs + nb }; // at its end: after b's content
    if (as > be) return shift(delta);
    return null; // strictly inside b's removal: dropped (b widens over it)
  }
  if (bInsert) {
    if (bs <= as) return shift(nb);
    if (bs >= ae) return a;
    return { ...a, end: ae + nb }; // b's insert is inside a's removal: a widens over it
  }
  if (ae <= bs) return a;
  if (as >= be) return shift(delta);
  if (as === bs && ae === be) {
    // Same removal: it is done; what is left of a is its content, placed by server order.
    if (a.n === 0) return null;
    const at = bFirst ? bs + nb : bs;
    return { ...a, start: at, end: at };
  }
  if (bs <= as && ae <= be) return null; // inside a different, enclosing removal: dropped
  if (as <= bs && be <= ae) return { ...a, end: ae - (be - bs) + nb }; // encloses b: widen over b's content
  if (as < bs) return { ...a, end: bs }; // partial overlap, a starts first: keep [as, bs), a's content first
  return { ...a, start: bs + nb, end: bs + nb + (ae - be) }; // partial overlap, b starts first
}

function overSplice(a: Op, b: Splice, bFirst: boolean): Op | null {
  const pa = a.path;
  const pc = b.path;
  if (a.t === 'splice' && samePath(pa, pc)) return spliceOverSplice(a, b, bFirst);
  if (isStrictPrefix(pc, pa)) {
    // a reaches into element k of the spliced container.
    const k = pa[pc.length];
    if (typeof k !== 'number' || k < b.start) return a;
    if (k >= b.end) return withIndex(a, pc.length, k + b.n - (b.end - b.start));
    return null; // its element was removed
  }
  if (isPrefix(pa, pc)) {
    // a splices an ancestor container (b's edit rides inside one of its elements), or a replaces/deletes the
    // spliced container or one of its ancestors.
    return a.t === 'splice' ? a : replacementOverInner(a, b, bFirst);
  }
  return a;
}

function overWrite(a: Op, b: Exclude<Op, Splice>, bFirst: boolean): Op | null {
  const pa = a.path;
  const pb = b.path;
  if (a.t !== 'splice' && samePath(pa, pb)) {
    // Same key or element: the later-ordered write wins; a delete over a delete vanishes.
    if (!bFirst) return null;
    return a.t === 'del' && b.t === 'del' ? null : a;
  }
  if (a.t === 'splice' ? isPrefix(pb, pa) : isStrictPrefix(pb, pa)) {
    // a edits inside the subtree b replaced or deleted.
    if (b.t === 'del' || !bFirst) return null;
    return appliesWithin(b.value, a, pb.length) ? a : null;
  }
  if (isStrictPrefix(pa, pb)) {
    // b edits inside a's target: a splice's indices are unaffected; a replacement/delete handles it.
    return a.t === 'splice' ? a : replacementOverInner(a, b, bFirst);
  }
  return a;
}

/** Rewrites op `a` to apply after the concurrent op `b`. Null when `a` vanishes. */
export function transformOp(a: Op, b: Op, bFirst: boolean): Op | null {
  return b.t === 'splice' ? overSplice(a, b, bFirst) : overWrite(a, b, bFirst);
}

/**
 * Rewrites patch `a` to apply after the concurrent patch `b`; `bFirst` says whether the server orders b first.
 * Returns null when `a` vanishes (its target was deleted, or a later write to the same place overrides it).
 */
export function transformPatch(a: JsonPatch, b: JsonPatch, bFirst: boolean): JsonPatch | null {
  const opA = toOp(a);
  const opB = toOp(b);
  assertAbsolute(opA);
  assertAbsolute(opB);
  const result = transformOp(opA, opB, bFirst);
  if (result === null) return null;
  return result === opA ? a : fromOp(result);
}

/** Both concurrent op lists transformed past each other (ops in, ops out). */
function transformOpLists(
  as: readonly JsonPatch[],
  bs: readonly JsonPatch[],
  bsFirst: boolean,
): [Op[], Op[]] {
  let aOps: Op[] = as.map(toOp);
  const bOut: Op[] = [];
  for (const op of aOps) assertAbsolute(op);
  for (const patch of bs) {
    let b: Op | null = toOp(patch);
    assertAbsolute(b);
    const next: Op[] = [];
    for (const a of aOps) {
      if (b === null) {
        next.push(a);
        continue;
      }
      const a2 = transformOp(a, b, bsFirst);
      b = transformOp(b, a, !bsFirst);
      if (a2 !== null) next.push(a2);
    }
    if (b !== null) bOut.push(b);
    aOps = next;
  }
  return [aOps, bOut];
}

/**
 * Transforms two concurrent lists (each applies in sequence to the same state) past each other:
 * returns [as', bs'] where as' applies after bs and bs' applies after as.
 */
export function transformPatchLists(
  as: readonly JsonPatch[],
  bs: readonly JsonPatch[],
  bsFirst: boolean,
): [JsonPatch[], JsonPatch[]] {
  const [aOps, bOps] = transformOpLists(as, bs, bsFirst);
  return [aOps.map(reuse(as)), bOps.map(reuse(bs))];
}

/** Maps ops back to patches, reusing the caller's patch objects for ops that did not change. */
function reuse(original: readonly JsonPatch[]): (op: Op) => JsonPatch {
  const byOp = new Map<Op, JsonPatch>();
  for (const patch of original) byOp.set(toOp(patch), patch);
  return (op) => byOp.get(op) ?? fromOp(op);
}

/** Patches `as` rewritten to apply after the concurrent patches `bs` (`bsFirst`: the server orders bs first). */
export function transformPatches(
  as: readonly JsonPatch[],
  bs: readonly JsonPatch[],
  bsFirst: boolean,
): JsonPatch[] {
  // Only as' is wanted (the server's stale-write path, once per later version): bs' is not turned back into patches.
  return transformOpLists(as, bs, bsFirst)[0].map(reuse(as));
}

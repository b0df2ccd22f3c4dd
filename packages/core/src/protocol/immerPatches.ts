import { applyJsonPatch } from './applyJsonPatch';
import { diffJson } from './diffJson';
import { BraidProtocolError } from './errors';
import { formatJsonRange } from './jsonRange';
import type { JsonPatch, PathSegment } from './types';

/** The shape of an immer patch (`produceWithPatches`), without importing immer. */
export interface ImmerPatch {
  op: 'replace' | 'remove' | 'add';
  path: (string | number)[];
  value?: unknown;
}

function getIn(doc: unknown, path: PathSegment[]): unknown {
  let node = doc;
  for (const seg of path) node = (node as Record<string | number, unknown> | undefined)?.[seg];
  return node;
}

/**
 * Maps immer patches onto json range patches: replace/add of a key → `.a.b` with the value; add into an array at
 * i → `[i:i]` with `[v]`; remove array item i → `[i:i+1]`; remove a key → `.a.b` without content; a change of an
 * array's `length` → a slice delete (needs `base`). With `base` (the value the patches apply to), a replaced string
 * becomes a code-point splice of the changed span.
 */
export function immerPatchesToBraid(patches: readonly ImmerPatch[], base?: unknown): JsonPatch[] {
  const out: JsonPatch[] = [];
  let doc = base;
  const track = base !== undefined;
  for (const p of patches) {
    const path = p.path as PathSegment[];
    const last = path[path.length - 1];
    const parentPath = path.slice(0, -1);
    const parent = track ? getIn(doc, parentPath) : undefined;
    const parentIsArray = track ? Array.isArray(parent) : typeof last === 'number';
    let mapped: JsonPatch[];
    if (path.length === 0) {
      mapped = track && p.op === 'replace' ? diffJson(doc, p.value) : [{ range: '', content: p.value }];
    } else if (last === 'length' && parentIsArray && p.op === 'replace') {
      // immer 11 reports shrinking as removes; older immer (and hand-made patches) as a length change.
      const oldLength = (parent as unknown[]).length;
      const newLength = p.value as number;
      if (!(Number.isInteger(newLength) && newLength >= 0 && newLength <= oldLength)) {
        throw new BraidProtocolError('bad-patch', 'an array length can only shrink (JSON has no holes)');
      }
      mapped = [{ range: formatJsonRange({ path: parentPath, slice: [newLength, oldLength] }) }];
    } else if (parentIsArray && typeof last === 'number') {
      if (p.op === 'add')
        mapped = [{ range: formatJsonRange({ path: parentPath, slice: [last, last] }), content: [p.value] }];
      else if (p.op === 'remove')
        mapped = [{ range: formatJsonRange({ path: parentPath, slice: [last, last + 1] }) }];
      else mapped = replaced(path, track ? getIn(doc, path) : undefined, p.value);
    } else if (p.op === 'remove') {
      mapped = [{ range: formatJsonRange(path) }];
    } else {
      mapped =
        p.op === 'replace' && track
          ? replaced(path, getIn(doc, path), p.value)
          : [{ range: formatJsonRange(path), content: p.value }];
    }
    for (const patch of mapped) {
      out.push(patch);
      if (track) doc = applyJsonPatch(doc, patch);
    }
  }
  return out;
}

/** A replaced string becomes a splice of its changed span; anything else a plain set. */
function replaced(path: PathSegment[], before: unknown, after: unknown): JsonPatch[] {
  if (typeof before === 'string' && typeof after === 'string') {
    return diffJson(before, after).map((patch) => ({ ...patch, range: formatJsonRange(path) + patch.range }));
  }
  return [{ range: formatJsonRange(path), content: after }];
}

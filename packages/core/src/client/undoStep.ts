import { diffJson } from '../protocol/diffJson';
import { invertPatches } from '../protocol/invertPatches';
import { parseJsonRange } from '../protocol/jsonRange';
import { transformPatches } from '../protocol/transform';
import type { JsonPatch } from '../protocol/types';
import type { EditRecord } from './undoHistory';

/**
 * The patches that undo the latest step of `stack` (popping it), against `view`: the step's exact inverse,
 * transformed over everything that changed since (the precise diff from the state right after it to the view)
 * with those changes ordered last, so where someone else changed the same place since, their change stays (their
 * edits are never undone), and elsewhere indices shift as they must. Steps with nothing left to change (all of
 * it overridden since) are skipped. Undefined when there is nothing to do.
 */
export function takeStep(stack: EditRecord[], view: unknown): JsonPatch[] | undefined {
  for (let step = stack.pop(); step; step = stack.pop()) {
    let inverse = invertPatches(step.prev, step.patches);
    const since = step.next === view ? [] : diffJson(step.next, view, { precise: true });
    if (since.length) {
      // Text is merged character by character by the transform; undoing my edit of a string someone else has
      // edited since would splice my old text into theirs. Their version of that string stays whole instead.
      const touched = new Set(since.map((p) => containerOf(p.range)));
      inverse = inverse.filter(
        (p) => !(isTextSplice(step.next, p.range) && touched.has(containerOf(p.range))),
      );
      inverse = transformPatches(inverse, since, false);
    }
    if (inverse.length) return inverse;
  }
  return undefined;
}

/** The range of the value a patch edits (a slice `[i:j]` edits the string or array before it). */
function containerOf(range: string): string {
  return range.endsWith(']') && range.slice(range.lastIndexOf('[')).includes(':')
    ? range.slice(0, range.lastIndexOf('['))
    : range;
}

function isTextSplice(doc: unknown, range: string): boolean {
  const { path, slice } = parseJsonRange(range);
  if (!slice) return false;
  let value = doc;
  for (const key of path) value = (value as Record<string | number, unknown> | undefined)?.[key];
  return typeof value === 'string';
}

import { type JsonPatch, parseJsonRange } from '@braid-live/core/protocol';
import type { BraidLimits } from '../limits';
import { jsonSizeOf } from './documentSize';
import { ResourceError } from './resourceError';

/** What a write will cost, estimated from its patches and the document before any of it is done. */
export interface WriteCost {
  patches: number;
  /** JSON bytes of the patches: their ranges and contents. */
  bytes: number;
  /**
   * Units of apply work (about a nanosecond each on a small machine): one per path segment walked and per
   * content byte, and for every container the write copies (each touched array, object or string once per
   * write) its width times what one of its slots costs to copy (SLOT_WORK).
   */
  work: number;
}

/**
 * Work units per slot of a copied container, from what copying costs (node 20, 2 shared cores): a string is
 * sliced and joined at ~1 ns per UTF-16 unit, an array sliced at ~6 ns per element, an object copied key by
 * key at ~300–800 ns per key (each key is a property store, not a memcpy). Counting every slot as 1 let a
 * write copying a thousand 1000-key objects (a million slots, far under the budget) run for over half a second.
 */
export const SLOT_WORK = Object.freeze({ string: 1, array: 8, object: 256 });

/**
 * Estimates a write's cost: O(patches × path depth + content), reading only the containers on the patches'
 * paths (never the rest of the document). A write is copied along its paths once, so a container touched by
 * many patches counts once.
 */
export function estimateWriteCost(
  patches: readonly JsonPatch[],
  head: unknown,
  /** Past this much work the containers are no longer measured (the write is refused anyway). */
  stopAbove = Number.POSITIVE_INFINITY,
): WriteCost {
  const copied = new Set<object | string>();
  let bytes = 0;
  let work = 0;
  for (const patch of patches) {
    const content = patch.content === undefined ? 0 : jsonSizeOf(patch.content);
    bytes += patch.range.length + content;
    const { path, slice } = parseJsonRange(patch.range);
    work += path.length + 1 + content;
    if (work > stopAbove) continue;
    // Containers on the path are copied (the last one too for a slice, which rewrites it).
    let node = head;
    const copiedSteps = slice ? path.length + 1 : path.length;
    for (let step = 0; step < copiedSteps; step++) {
      if (typeof node === 'string') {
        if (!copied.has(node)) work += node.length * SLOT_WORK.string;
        copied.add(node);
        break;
      }
      if (typeof node !== 'object' || node === null) break;
      if (!copied.has(node)) work += widthOf(node);
      copied.add(node);
      if (step === path.length) break;
      node = child(node, path[step]);
    }
  }
  return { patches: patches.length, bytes, work };
}

/**
 * The per-write budget, checked after parsing and before any work (apply, transform, `validate`): too many
 * patches or patch bytes → 'too-many-patches' / 'patches-too-large' (413), too much estimated apply work →
 * 'write-too-costly' (422). Each with the figure and the limit.
 */
export function checkWriteBudget(
  patches: readonly JsonPatch[],
  head: unknown,
  limits: BraidLimits,
): WriteCost {
  if (patches.length > limits.maxPatches) {
    throw new ResourceError(
      'too-many-patches',
      `too many patches (${patches.length}; the limit is ${limits.maxPatches})`,
    );
  }
  const cost = estimateWriteCost(patches, head, limits.maxWriteWork);
  if (cost.bytes > limits.maxPatchBytes) {
    throw new ResourceError(
      'patches-too-large',
      `patches too large (${cost.bytes} bytes of JSON; the limit is ${limits.maxPatchBytes}): send fewer or smaller patches`,
    );
  }
  if (cost.work > limits.maxWriteWork) {
    throw new ResourceError(
      'write-too-costly',
      `this write would cost too much to apply (${cost.work} work units, counting every slot of each container it copies, an object's key as ${SLOT_WORK.object}; the limit is ${limits.maxWriteWork}): split it into smaller writes, or write deeper in the document`,
    );
  }
  return cost;
}

/** The document size bound, checked on every write with the value it would produce ('document-too-large', 413). */
export function checkDocumentSize(next: unknown, limits: BraidLimits): number {
  const size = jsonSizeOf(next);
  if (size > limits.maxDocumentBytes) {
    throw new ResourceError(
      'document-too-large',
      `the document would be too large (about ${size} bytes of JSON; the limit is ${limits.maxDocumentBytes})`,
    );
  }
  return size;
}

/** What copying a container costs: its slots, each weighted by kind (SLOT_WORK). */
function widthOf(container: object): number {
  if (Array.isArray(container)) return container.length * SLOT_WORK.array;
  // (Object.keys: several times quicker than counting with for-in on a wide object; no inherited keys.)
  return Object.keys(container).length * SLOT_WORK.object;
}

function child(container: object, segment: string | number): unknown {
  if (Array.isArray(container)) {
    if (typeof segment !== 'number') return undefined;
    return container[segment < 0 || Object.is(segment, -0) ? container.length + segment : segment];
  }
  return typeof segment === 'string' && Object.hasOwn(container, segment)
    ? (container as Record<string, unknown>)[segment]
    : undefined;
}

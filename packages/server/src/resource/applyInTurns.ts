import { fromOp, type JsonPatch, PatchWriter, toOp } from '@braid-live/core/protocol';
import type { LoopTurn } from '../loopTurn';

/** Patches applied between two looks at the clock (a look is cheap, but not free for a thousand tiny patches). */
const PATCHES_PER_LOOK = 16;

/**
 * `resolveJsonPatches` (or `applyJsonPatches` when `resolve` is false) in turns: the event loop is given back
 * between patches once the turn is due, so a write of a thousand patches (1000 splices onto a 1 MB string, 1000
 * keys of a wide object) holds it for a slice at a time, not for all of them. Safe because the write queue runs
 * one write at a time and the input document is never changed (the writer's copies are its own).
 */
export async function applyPatchesInTurns(
  doc: unknown,
  patches: readonly JsonPatch[],
  turn: LoopTurn,
  resolve = true,
): Promise<{ value: unknown; patches: JsonPatch[] }> {
  const writer = new PatchWriter(doc);
  const resolved: JsonPatch[] = [];
  for (let i = 0; i < patches.length; i++) {
    if (i % PATCHES_PER_LOOK === 0) await turn.pause();
    const op = toOp(patches[i]);
    const result = writer.apply(op);
    if (resolve) resolved.push(result === op ? patches[i] : fromOp(result));
  }
  await turn.pause();
  return { value: writer.finish(), patches: resolve ? resolved : (patches as JsonPatch[]) };
}

import {
  BraidProtocolError,
  formatVersions,
  type JsonPatch,
  transformPatches,
} from '@braid-live/core/protocol';
import { LoopTurn } from '../loopTurn';
import { applyPatchesInTurns } from './applyInTurns';
import type { History } from './history';
import { ResourceError } from './resourceError';

/**
 * Brings a write up to the head (DESIGN.md section 5): its patches are first resolved against the state at
 * its Parents (negative indices and -0 made absolute), then transformed over every version accepted after
 * Parents, in order (existing versions ordered first), then applied to the head.
 *
 * Refusals (ResourceError codes; their HTTP statuses are in errors.ts):
 * - Parents not in memory (never seen, or older than the history window): 'unknown-parents', the client re-subscribes and
 *   rebases its write on what it receives.
 * - the patches do not apply to the state they claim to be based on: 'patches-do-not-apply', the write itself is wrong, and
 *   resending it unchanged would fail again.
 * - transforming them over the versions since Parents would cost more than `maxRebaseWork` (estimated before
 *   any of it: patches × patches since Parents): 'rebase-too-costly' (409), the client re-bases it on the head
 *   itself, as after any 409, so one stale write cannot hold the event loop for seconds.
 * - they applied at Parents, but their transformed form does not apply at the head: 'write-conflict'
 *   ("conflict: write no longer applies"): the write was fine when made; the client re-bases it on the new head.
 * Patches that vanish in the transform are dropped; the write still becomes a version (possibly with no
 * patches), so its writer sees its Version come back.
 * The patches are applied in turns that give the event loop back (applyInTurns.ts).
 */
export async function rebaseWrite(
  history: History,
  parents: string[] | undefined,
  patches: JsonPatch[],
  maxRebaseWork = Number.POSITIVE_INFINITY,
  turn = new LoopTurn(),
): Promise<{ patches: JsonPatch[]; value: unknown }> {
  const baseSeq = parents === undefined ? history.headSeq : history.locate(parents);
  if (baseSeq === undefined) {
    throw new ResourceError(
      'unknown-parents',
      `unknown Parents ${formatVersions(parents!) || '(empty)'}: not in the server's history; re-subscribe and rebase`,
    );
  }
  const later = baseSeq === history.headSeq ? [] : history.after(baseSeq);
  checkRebaseBudget(patches.length, later, maxRebaseWork);
  let resolved: { patches: JsonPatch[]; value: unknown };
  try {
    resolved = await applyPatchesInTurns(history.valueAt(baseSeq), patches, turn);
  } catch (error) {
    if (error instanceof BraidProtocolError) {
      throw new ResourceError(
        'patches-do-not-apply',
        `the patches do not apply to their Parents: ${error.message}`,
      );
    }
    throw error;
  }
  if (baseSeq === history.headSeq) return resolved;

  let rebased = resolved.patches;
  for (const version of later) {
    rebased = transformPatches(rebased, version.patches, true);
    await turn.pause();
  }
  try {
    const { value } = await applyPatchesInTurns(history.headValue, rebased, turn, false);
    return { patches: rebased, value };
  } catch (error) {
    if (error instanceof BraidProtocolError) {
      throw new ResourceError(
        'write-conflict',
        `conflict: write no longer applies after concurrent versions (${error.message})`,
      );
    }
    throw error;
  }
}

/** Refuses, before any work, a rebase whose pairwise transform would pass the budget. */
function checkRebaseBudget(
  patches: number,
  later: readonly { patches: readonly JsonPatch[] }[],
  maxRebaseWork: number,
): void {
  let since = 0;
  for (const version of later) since += version.patches.length;
  const work = patches * since;
  if (work <= maxRebaseWork) return;
  throw new ResourceError(
    'rebase-too-costly',
    `conflict: rebasing this write over the ${later.length} versions since its Parents would cost too much ` +
      `(${patches} patches × ${since} patches = ${work}; the limit is ${maxRebaseWork}): re-base it on the ` +
      'head and send it again',
  );
}

import {
  applyJsonPatches,
  BraidProtocolError,
  formatVersions,
  type JsonPatch,
  resolveJsonPatches,
  transformPatches,
} from '@braid-live/core/protocol';
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
 * - they applied at Parents, but their transformed form does not apply at the head: 'write-conflict'
 *   ("conflict: write no longer applies"): the write was fine when made; the client re-bases it on the new head.
 * Patches that vanish in the transform are dropped; the write still becomes a version (possibly with no
 * patches), so its writer sees its Version come back.
 */
export function rebaseWrite(
  history: History,
  parents: string[] | undefined,
  patches: JsonPatch[],
): { patches: JsonPatch[]; value: unknown } {
  const baseSeq = parents === undefined ? history.headSeq : history.locate(parents);
  if (baseSeq === undefined) {
    throw new ResourceError(
      'unknown-parents',
      `unknown Parents ${formatVersions(parents!) || '(empty)'}: not in the server's history; re-subscribe and rebase`,
    );
  }
  let resolved: { patches: JsonPatch[]; value: unknown };
  try {
    resolved = resolveJsonPatches(history.valueAt(baseSeq), patches);
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
  for (const later of history.after(baseSeq)) rebased = transformPatches(rebased, later.patches, true);
  try {
    return { patches: rebased, value: applyJsonPatches(history.headValue, rebased) };
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

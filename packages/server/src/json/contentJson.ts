import type { JsonPatch } from '@braid-live/core/protocol';
import { type LoopTurn, runInTurns } from '../loopTurn';
import { jsonInSteps } from './jsonInSteps';

/**
 * The JSON text of each patch's content, made once per write: the write's digest, its update on the wire and
 * its frame in the store all carry the same text, and for a big content (8 MiB) each JSON.stringify is tens of
 * ms. A write remembers its patches' texts while it is handled (`remember`) and forgets them when it is done
 * (`forget`), so nothing stays held by the history; everyone else just gets a fresh JSON.stringify.
 */
const remembered = new WeakMap<object, string>();

/** Contents are never changed once written (patches and values are immutable), so an object content is its
 * own key: a transformed patch (a new object) with the same content finds its text too. */
const keyOf = (patch: JsonPatch): object =>
  typeof patch.content === 'object' && patch.content !== null ? patch.content : patch;

/** The JSON of `patch.content`, or undefined for a delete (no content) or a value JSON cannot carry. */
export function contentJson(patch: JsonPatch): string | undefined {
  if (patch.content === undefined) return undefined;
  return remembered.get(keyOf(patch)) ?? JSON.stringify(patch.content);
}

/** contentJson in steps (json/jsonInSteps.ts): what a caller that can pause between pieces uses. */
export function* contentJsonInSteps(patch: JsonPatch): Generator<undefined, string | undefined> {
  if (patch.content === undefined) return undefined;
  return remembered.get(keyOf(patch)) ?? (yield* jsonInSteps(patch.content));
}

/**
 * Makes the texts of `patches` once, kept until `forget`, giving the loop back between pieces of a big one
 * (a content sent as JSON.stringify wrote it is remembered as sent already, by the parse).
 */
export async function rememberContentJson(patches: readonly JsonPatch[], turn: LoopTurn): Promise<void> {
  for (const patch of patches) {
    if (patch.content === undefined) continue;
    const key = keyOf(patch);
    if (remembered.has(key)) continue;
    const json = await runInTurns(jsonInSteps(patch.content), turn);
    if (json !== undefined) remembered.set(key, json);
  }
}

/** Remembers `json` as the JSON of `patch.content` (it must be exactly JSON.stringify's), until `forget`. */
export function rememberContentJsonText(patch: JsonPatch, json: string): void {
  remembered.set(keyOf(patch), json);
}

/**
 * Carries the remembered texts of `from` over to `to`, the same write resolved (negative indices made
 * absolute: new patch objects, the same contents), patch by patch. A string content is remembered by its
 * patch, so without this a resolved `.s[-0:-0]` append of 8 MiB would be stringified again.
 */
export function carryContentJson(from: readonly JsonPatch[], to: readonly JsonPatch[]): void {
  if (from === to || from.length !== to.length) return;
  for (let i = 0; i < to.length; i++) {
    if (to[i] === from[i] || to[i].content === undefined || to[i].content !== from[i].content) continue;
    const json = remembered.get(keyOf(from[i]));
    if (json !== undefined) remembered.set(keyOf(to[i]), json);
  }
}

export function forgetContentJson(patches: readonly JsonPatch[]): void {
  for (const patch of patches) remembered.delete(keyOf(patch));
}

import { type JsonPatch, type PatchInput, serializeUpdate, snapshotFraming } from '@braid-live/core/protocol';
import { contentJson } from '../json/contentJson';
import { utf8InSteps } from '../json/utf8InSteps';
import type { VersionRecord } from '../store/types';

const EMPTY_HEADERS: Record<string, string> = {};

/**
 * One version as an update on the wire, built once when the version is accepted and kept on its history entry:
 * the fan-out and every resume write these same bytes. A version that replaces the whole document (one patch
 * with range '') goes out as a snapshot body with Parents, as the reference server sends a PUT of a whole
 * document; everything else as `Patches: N` (N may be 0: a write whose patches all vanished is still
 * announced, so its writer sees its Version come back).
 */
export function versionUpdateBytes(record: VersionRecord): Uint8Array {
  const { patches } = record;
  const wholeDocument = patches.length === 1 && patches[0].range === '' && patches[0].content !== undefined;
  return wholeDocument
    ? serializeUpdate({
        version: [record.version],
        parents: record.parents,
        headers: EMPTY_HEADERS,
        body: contentJson(patches[0]) as string,
      })
    : serializeUpdate({
        version: [record.version],
        parents: record.parents,
        headers: EMPTY_HEADERS,
        patches: patches.map(toWirePatch),
      });
}

/**
 * The whole document at a version (its JSON as pieces, jsonPiecesInSteps), as the first update of a
 * subscription, made in steps; `body` is the JSON's bytes within it (what a GET answers: the same memory).
 */
export function* snapshotUpdateInSteps(
  version: string[],
  json: readonly string[],
): Generator<undefined, { wire: Buffer; body: Buffer }> {
  const framing = (length: number) => snapshotFraming({ version, headers: EMPTY_HEADERS }, length);
  const { bytes, body } = yield* utf8InSteps(json, (length) => framing(length).head, framing(0).tail);
  return { wire: bytes, body };
}

function toWirePatch(patch: JsonPatch): PatchInput {
  // Empty content means delete.
  return { unit: 'json', range: patch.range, content: contentJson(patch) ?? '' };
}

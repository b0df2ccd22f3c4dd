import { createHash } from 'node:crypto';
import type { JsonPatch } from '@braid-live/core/protocol';

/**
 * The digest of a write as its writer sent it: SHA-256 (first 16 bytes, base64url) over the JSON of
 * `[parents or null, [[range] | [range, content], ...]]`, before any resolve or transform. A retry sends the
 * same Parents and patches, so it has the same digest; another write under the same Version has another one.
 * (The same shape as the single-node digest in resource/knownVersions.ts, so both agree.)
 */
export function writeDigest(parents: readonly string[] | undefined, patches: readonly JsonPatch[]): string {
  const shape = [
    parents ?? null,
    patches.map((p) => (p.content === undefined ? [p.range] : [p.range, p.content])),
  ];
  return createHash('sha256').update(JSON.stringify(shape)).digest('base64url').slice(0, 22);
}

import { createHash } from 'node:crypto';
import type { JsonPatch } from '@braid-live/core/protocol';
import { contentJson } from '../json/contentJson';
import { runNow } from '../loopTurn';

/** The digest of a state that no write made (the initial value): any write claiming its id is not a retry. */
export const NOT_A_WRITE = '(not a write)';

/**
 * The digest of a write as its writer sent it (DESIGN.md "Duplicate writes"): SHA-256 (first 16 bytes,
 * base64url) over the JSON of `[parents or null, [[range] | [range, content], ...]]`, from the parsed patches
 * before any resolve or transform. A retry sends the same Parents and patches (whatever the bytes' spacing), so
 * it has the same digest; a different write under the same Version has another one.
 */
export function writeDigest(parents: readonly string[] | undefined, patches: readonly JsonPatch[]): string {
  return runNow(writeDigestInSteps(parents, patches));
}

/** writeDigest in steps: a long content's JSON is hashed a slice at a time (SHA-256 of 4 MiB: ~10 ms). */
export function* writeDigestInSteps(
  parents: readonly string[] | undefined,
  patches: readonly JsonPatch[],
): Generator<undefined, string> {
  // The same bytes as JSON.stringify of the shape above, with each content's JSON made once per write
  // (contentJson.ts) instead of again here: a big content is stringified once, not once per use.
  const hash = createHash('sha256').update(`[${JSON.stringify(parents ?? null)},[`);
  for (let i = 0; i < patches.length; i++) {
    const patch = patches[i];
    const range = `${i > 0 ? ',' : ''}[${JSON.stringify(patch.range)}`;
    if (patch.content === undefined) {
      hash.update(`${range}]`);
      continue;
    }
    hash.update(`${range},`);
    const json = contentJson(patch) ?? 'null';
    for (let at = 0; at < json.length; ) {
      let end = Math.min(at + HASH_SLICE, json.length);
      // (Never between the halves of a surrogate pair: each half alone would be hashed as U+FFFD.)
      if (end < json.length && (json.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
      hash.update(at === 0 && end === json.length ? json : json.slice(at, end));
      at = end;
      if (at < json.length) yield;
    }
    hash.update(']');
  }
  return hash.update(']]').digest('base64url').slice(0, 22);
}

const HASH_SLICE = 1024 * 1024;

/**
 * A bounded map of version id → the digest of the write that made it, oldest evicted first. It answers "have
 * we accepted this Version already, and was it this same write?" for longer than the in-memory history
 * reaches, so retried writes stay duplicates (200, no change) even after their version left the history
 * window, while another write under a taken Version is refused. A digest is undefined for versions loaded from
 * a store that did not record one (they are taken as retries, as before digests existed).
 */
export class KnownVersions {
  // A Map iterates in insertion order, which makes it a FIFO for free.
  private readonly digests = new Map<string, string | undefined>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.digests.has(id);
  }

  /** Whether a write with this id and digest is a retry of the known one (only meaningful when `has(id)`). */
  isRetry(id: string, digest: string): boolean {
    const known = this.digests.get(id);
    return known === undefined ? this.digests.has(id) : known === digest;
  }

  add(id: string, digest?: string): void {
    if (this.digests.has(id)) return;
    this.digests.set(id, digest);
    if (this.digests.size > this.capacity) {
      const oldest = this.digests.keys().next().value as string;
      this.digests.delete(oldest);
    }
  }
}

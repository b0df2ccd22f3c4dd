export { rng } from './random';

import type { Rng } from './random';

/** Splits bytes into random pieces (1 byte up to a few hundred), to feed incremental parsers. */
export function chunkSplits(bytes: Uint8Array, r: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + Math.floor(r() * Math.min(300, bytes.length - at));
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

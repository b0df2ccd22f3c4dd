// Test helpers for the wire codec: a seeded PRNG, feeding bytes in splits, and a readable view of updates.
import { createUpdateParser } from '../src/protocol/parseUpdateStream';
import type { PatchFrame, Update } from '../src/protocol/types';

/** mulberry32 (seeded): failures reproduce from the seed in the test name. */
export { rng as prng } from './random';

export const randomInt = (rand: () => number, lo: number, hi: number) =>
  lo + Math.floor(rand() * (hi - lo + 1));

/** Cut points: `bytes` in pieces of random sizes (mostly small, sometimes large), covering every byte. */
export function randomSplits(bytes: Uint8Array, rand: () => number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = rand() < 0.8 ? randomInt(rand, 1, 16) : randomInt(rand, 1, 600);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

/**
 * Feeds the pieces to a fresh parser (through one scratch chunk that is overwritten after every push, so the
 * parser must not keep views on its input), then end(). Returns the updates.
 */
export function parseAll(pieces: readonly Uint8Array[]): Update[] {
  const updates: Update[] = [];
  const parser = createUpdateParser((u) => updates.push(u));
  const scratch = new Uint8Array(Math.max(1, ...pieces.map((p) => p.length)));
  for (const piece of pieces) {
    const chunk = scratch.subarray(0, piece.length);
    chunk.set(piece);
    parser.push(chunk);
    chunk.fill(0xee);
  }
  parser.end();
  return updates;
}

const utf8 = new TextDecoder();

/** Contents as text, for readable assertions. */
export interface UpdateView {
  status?: number;
  version: string[];
  parents: string[];
  headers: Record<string, string>;
  body?: string;
  patches?: { unit: string; range: string; content: string; headers: Record<string, string> }[];
}

export function view(update: Update): UpdateView {
  const out: UpdateView = {
    version: update.version,
    parents: update.parents,
    headers: { ...update.headers },
  };
  if (update.status !== undefined) out.status = update.status;
  if (update.body !== undefined) out.body = utf8.decode(update.body);
  if (update.patches !== undefined) out.patches = update.patches.map(viewPatch);
  return out;
}

export function viewPatch(p: PatchFrame) {
  return { unit: p.unit, range: p.range, content: utf8.decode(p.content), headers: { ...p.headers } };
}

import type { VersionRecord } from './types';

/**
 * Test-only (not exported from the package): the i-th record of a deterministic linear history, so that a
 * test can check loaded content against what a child process wrote. Mixes unicode (incl. astral), nested
 * JSON, deletes (no `content` key), records with and without `peer`, and varying sizes.
 */
export function sampleRecord(i: number, tag = 'v'): VersionRecord {
  const patches =
    i % 3 === 2
      ? [{ range: `.items[${i % 7}]` }]
      : [
          { range: '.title', content: `héllo ✓ 🌍 «${tag}» #${i}` },
          {
            range: `.nested["k ${i}"]`,
            content: { list: [i, 0 - i, 0.5, null, true], deep: { s: 'x'.repeat(i % 40) } },
          },
        ];
  return {
    version: `${tag}-${i}`,
    parents: i === 0 ? [] : [`${tag}-${i - 1}`],
    patches,
    ...(i % 2 === 1 ? { peer: `peer-${i % 5}` } : {}),
    time: 1_700_000_000_000 + i,
  };
}

export function sampleRecords(count: number, tag = 'v', from = 0): VersionRecord[] {
  return Array.from({ length: count }, (_, k) => sampleRecord(from + k, tag));
}

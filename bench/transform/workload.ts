import type { JsonPatch } from '@braid-live/core/protocol';

/** The document the transform benchmarks write to (a dashboard, with room for series inserts and alert edits). */
export function initialDashboard() {
  return {
    config: { title: 'Operations', thresholds: { cpu: 80, memory: 90 } },
    metrics: { rps: 0, cpu: 0, p99: 0 },
    series: Array.from({ length: 200 }, (_, i) => ({ t: 1_700_000_000 + i, v: i % 100 })),
    alerts: Array.from({ length: 20 }, (_, i) => ({ id: i, acknowledged: false, by: null as string | null })),
  };
}

/** The pending write being rebased: three patches, as one setDoc recipe might produce. */
export const PENDING_WRITE: JsonPatch[] = [
  { range: '.config.thresholds.cpu', content: 91 },
  { range: '.series[150:150]', content: [{ t: 1_800_000_000, v: 42 }] },
  { range: '.alerts[2].acknowledged', content: true },
];

/**
 * The i-th concurrent version: mostly metric updates and series inserts before the pending insert (which shift
 * its index), some edits to the same threshold and to other alerts; absolute indices, as history stores them.
 */
export function concurrentVersion(i: number): JsonPatch[] {
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return [{ range: `.metrics.${['rps', 'cpu', 'p99'][i % 3]}`, content: i }];
    case 4:
    case 5:
    case 6:
    case 7: {
      const at = i % 100;
      return [{ range: `.series[${at}:${at}]`, content: [{ t: 1_750_000_000 + i, v: i % 100 }] }];
    }
    case 8:
      return [{ range: '.config.thresholds.cpu', content: 70 + (i % 20) }];
    default:
      return [{ range: `.alerts[${5 + (i % 10)}].by`, content: `user-${i}` }];
  }
}

import { serializeUpdate } from '@braid-live/core/protocol';

/** A recorded subscription: the same updates as a Braid 209 body and as NDJSON. */
export interface RecordedStream {
  updates: number;
  braid: Uint8Array;
  ndjson: Uint8Array;
  /** How many patches the updates carry in total (to check parsers saw them all). */
  patches: number;
  /** Where each update ends in `braid` and in `ndjson` (to cut the streams one update per chunk). */
  braidEnds: number[];
  ndjsonEnds: number[];
}

interface DashboardPatch {
  range: string;
  content: unknown;
}

/**
 * A dashboard's live feed, deterministic: metric gauges, series appends, alert acknowledgements and threshold
 * edits, one or two patches per update (absolute indices, as a server sends them), ~100–200 bytes each.
 */
function dashboardPatches(i: number, random: () => number): DashboardPatch[] {
  const kind = i % 10;
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  if (kind < 5) {
    const metric = ['rps', 'cpu', 'memory', 'p99', 'errors'][kind];
    return [{ range: `.metrics.${metric}`, content: round(random() * 1000, 2) }];
  }
  if (kind < 8) {
    const series = ['rps', 'cpu', 'p99'][kind - 5];
    const at = 100 + (i % 400);
    return [
      {
        range: `.series.${series}[${at}:${at}]`,
        content: [{ t: 1_700_000_000 + i, v: round(random() * 100, 1) }],
      },
    ];
  }
  if (kind === 8) {
    const alert = i % 20;
    return [
      { range: `.alerts[${alert}].acknowledged`, content: true },
      { range: `.alerts[${alert}].by`, content: 'ops@example.com' },
    ];
  }
  return [{ range: '.thresholds.cpu', content: Math.floor(random() * 40) + 60 }];
}

/** A small deterministic PRNG (mulberry32), so every run parses the same bytes. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function recordStream(updates = 100_000): RecordedStream {
  const random = seeded(42);
  const braidParts: Uint8Array[] = [];
  const ndjsonLines: string[] = [];
  let patchCount = 0;
  for (let i = 1; i <= updates; i++) {
    const patches = dashboardPatches(i, random);
    patchCount += patches.length;
    const version = [`server-${i}`];
    const parents = [`server-${i - 1}`];
    braidParts.push(
      serializeUpdate({
        version,
        parents,
        patches: patches.map((p) => ({ range: p.range, content: JSON.stringify(p.content) })),
      }),
    );
    ndjsonLines.push(JSON.stringify({ version, parents, patches }));
  }
  const braid = new Uint8Array(braidParts.reduce((n, p) => n + p.length, 0));
  const braidEnds: number[] = [];
  let at = 0;
  for (const part of braidParts) {
    braid.set(part, at);
    at += part.length;
    braidEnds.push(at);
  }
  const ndjsonEnds: number[] = [];
  at = 0;
  for (const line of ndjsonLines) {
    at += Buffer.byteLength(line) + 1;
    ndjsonEnds.push(at);
  }
  return {
    updates,
    braid,
    ndjson: new TextEncoder().encode(`${ndjsonLines.join('\n')}\n`),
    patches: patchCount,
    braidEnds,
    ndjsonEnds,
  };
}

/** The stream cut at the given offsets (one update per chunk: how a live subscription usually arrives). */
export function chunkAt(bytes: Uint8Array, ends: readonly number[]): Uint8Array[] {
  let start = 0;
  return ends.map((end) => {
    const piece = bytes.slice(start, end);
    start = end;
    return piece;
  });
}

/** The stream cut into chunks of `size` bytes, each a fresh copy (as a socket hands them over). */
export function chunk(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
  return chunks;
}

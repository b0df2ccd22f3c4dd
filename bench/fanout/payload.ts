/**
 * What a write carries: a sequence number, one small field, and the writer's send time (µs on the machine's
 * monotonic clock: see lib/clock.ts) so each subscriber can measure write→receipt latency.
 */
export interface WriteContent {
  seq: number;
  value: number;
  t: number;
}

export function writeContent(seq: number, t: number): WriteContent {
  return { seq, value: (seq * 7919) % 10_000, t };
}

/**
 * The message the non-Braid baselines (ws, SSE, raw TCP) send for one write, JSON: the same information as a
 * Braid patch update (version, parents, range, content).
 */
export interface BaselineMessage {
  version: string;
  parents: string[];
  range: string;
  content: WriteContent;
}

export const versionOf = (seq: number) => `w-${seq}`;

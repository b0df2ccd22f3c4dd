import { fmtInt, fmtMicros, fmtRate } from '../lib/format';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import type { RunResult } from './runOnce';
import type { SystemInfo } from './systems';

/** One system at one subscriber count and writer mode: the medians of its runs. */
export interface Summary {
  system: string;
  label: string;
  subscribers: number;
  mode: 'saturating' | 'paced';
  runs: number;
  writesPerRun: number;
  cappedWrites: boolean;
  acceptedWritesPerSec: number;
  deliveriesPerSec: number;
  expected: number;
  received: number;
  lost: number;
  disconnected: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
  serverCpuPerDeliveryMicros: number;
  serverCpuSeconds: number;
  subscriberCpuPerDeliveryMicros: number;
  serverPeakRssMiB: number;
  /** CPU other work on the machine used during the runs, in cores (median): how disturbed the runs were. */
  otherCpuCores: number;
  raw: RunResult[];
}

/** Medians over runs (delivery counts are summed: every loss shows). */
export function summarize(system: SystemInfo, results: RunResult[]): Summary {
  const m = (pick: (r: RunResult) => number) => median(results.map(pick));
  const first = results[0];
  return {
    system: system.id,
    label: system.label,
    subscribers: first.subscribers,
    mode: first.mode,
    runs: results.length,
    writesPerRun: first.writesPlanned,
    cappedWrites: false,
    acceptedWritesPerSec: m((r) => r.acceptedWritesPerSec),
    deliveriesPerSec: m((r) => r.deliveriesPerSec),
    expected: results.reduce((s, r) => s + r.expected, 0),
    received: results.reduce((s, r) => s + r.received, 0),
    lost: results.reduce((s, r) => s + r.lost, 0),
    disconnected: results.reduce((s, r) => s + r.disconnected, 0),
    p50Micros: m((r) => r.latencyMicros.p50),
    p99Micros: m((r) => r.latencyMicros.p99),
    maxMicros: m((r) => r.latencyMicros.max),
    serverCpuPerDeliveryMicros: m((r) => r.serverCpuPerDeliveryMicros),
    serverCpuSeconds: m((r) => r.serverCpuMicros / 1e6),
    subscriberCpuPerDeliveryMicros: m((r) => r.subscriberCpuMicros / Math.max(1, r.received)),
    serverPeakRssMiB: m((r) => r.serverPeakRssMiB),
    otherCpuCores: m((r) => r.otherCpuCores),
    raw: results,
  };
}

export function printSummaries(title: string, summaries: Summary[]): void {
  printTable(
    title,
    [
      'system',
      'writes',
      'writes/s',
      'deliveries/s',
      'delivered / expected',
      'p50',
      'p99',
      'max',
      'srv CPU/deliv',
      'sub CPU/deliv',
      'srv peak RSS',
      'other load',
    ],
    summaries.map((s) => [
      s.label,
      `${fmtInt(s.writesPerRun)}${s.cappedWrites ? ' (capped)' : ''}`,
      fmtRate(s.acceptedWritesPerSec),
      fmtRate(s.deliveriesPerSec),
      `${fmtInt(s.received)} / ${fmtInt(s.expected)}${s.lost ? ` LOST ${fmtInt(s.lost)}` : ''}`,
      fmtMicros(s.p50Micros),
      fmtMicros(s.p99Micros),
      fmtMicros(s.maxMicros),
      fmtMicros(s.serverCpuPerDeliveryMicros),
      fmtMicros(s.subscriberCpuPerDeliveryMicros),
      `${s.serverPeakRssMiB.toFixed(0)} MiB`,
      `${s.otherCpuCores.toFixed(2)} cores`,
    ]),
  );
}

import { join } from 'node:path';
import { type Child, spawnTs } from '../lib/child';
import { nowMicros, sleep } from '../lib/clock';
import { Histogram } from '../lib/histogram';
import { machineBusyMicros } from '../lib/machineCpu';
import type { ServerMessage, SubscriberMessage, SubscriberReport } from './messages';
import type { SystemInfo } from './systems';

const HERE = import.meta.dirname;
/** Bun's binary, from the npm package `bun` (installed with the examples). */
const BUN = join(HERE, '../../examples/node_modules/bun/bin/bun.exe');

export interface RunSpec {
  system: SystemInfo;
  subscribers: number;
  writes: number;
  /** Writes per second; absent: as fast as acknowledgements come back (one write in flight). */
  paceHz?: number;
  subscriberProcesses: number;
  /** Run the server with --cpu-prof, writing its profile here. */
  cpuProfileDir?: string;
  /** Run the subscriber processes with --cpu-prof, writing their profiles here. */
  subscriberCpuProfileDir?: string;
  /** Give up writing after this long (the run then reports the writes it made). */
  maxWriteSeconds?: number;
}

export interface RunResult {
  system: string;
  subscribers: number;
  mode: 'saturating' | 'paced';
  writesPlanned: number;
  writes: number;
  writeErrors: number;
  acceptedWritesPerSec: number;
  deliveriesPerSec: number;
  expected: number;
  received: number;
  lost: number;
  disconnected: number;
  parseErrors: number;
  latencyMicros: { p50: number; p99: number; max: number; mean: number };
  serverCpuMicros: number;
  serverCpuPerDeliveryMicros: number;
  /** CPU used by all subscriber processes (µs): tells whether the receiving side was the bottleneck. */
  subscriberCpuMicros: number;
  /**
   * CPU used meanwhile by everything else on the machine (not the server, subscribers or writer), in cores: a high value
   * means the run shared its 2 cores with other work and its figures are pessimistic.
   */
  otherCpuCores: number;
  serverPeakRssMiB: number;
  serverRssBeforeMiB: number;
  connectMs: number;
  durationMs: number;
}

/** How long deliveries may stop coming before a run is declared over (with whatever was lost). */
const STALL_MS = 5000;

/** One fan-out run: fresh server and subscriber processes, one writer, every delivery counted. */
export async function runOnce(spec: RunSpec): Promise<RunResult> {
  const children: Child[] = [];
  try {
    const server = spawnTs<ServerMessage>(join(HERE, 'servers/main.ts'), {
      args: [spec.system.id],
      nodeFlags: spec.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`] : [],
      execPath: spec.system.runtime === 'bun' ? BUN : undefined,
    });
    children.push(server);
    const address = await server.next<Extract<ServerMessage, { type: 'listening' }>>(
      (m) => m.type === 'listening',
      30_000,
    );

    // Subscribers, split evenly over the subscriber processes.
    const counts = splitEvenly(spec.subscribers, spec.subscriberProcesses);
    const subscriberProcs = counts.map(() =>
      spawnTs<SubscriberMessage>(join(HERE, 'subscribers/main.ts'), {
        nodeFlags: spec.subscriberCpuProfileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${spec.subscriberCpuProfileDir}`]
          : [],
      }),
    );
    children.push(...subscriberProcs);
    const connectStart = performance.now();
    await Promise.all(
      subscriberProcs.map((proc, i) => {
        proc.send({ type: 'connect', system: spec.system.id, port: address.port, count: counts[i] });
        return proc.next((m) => m.type === 'ready', 180_000);
      }),
    );
    const connectMs = performance.now() - connectStart;

    const connectWriter = await spec.system.connectWriter();
    const writer = await connectWriter(address.port, address.writerPort);
    server.send({ type: 'mark' });
    await server.next((m) => m.type === 'marked');

    const received = counts.map(() => 0);
    let lastProgressAt = performance.now();
    const reports: (SubscriberReport | undefined)[] = counts.map(() => undefined);
    const allDone = Promise.all(
      subscriberProcs.map(async (proc, i) => {
        proc.proc.on('message', (m: SubscriberMessage) => {
          if (m.type === 'progress' && m.received > received[i]) {
            received[i] = m.received;
            lastProgressAt = performance.now();
          }
        });
        const done = await proc.next<Extract<SubscriberMessage, { type: 'done' }>>(
          (m) => m.type === 'done',
          600_000,
        );
        reports[i] = done.report;
      }),
    );
    for (const [i, proc] of subscriberProcs.entries())
      proc.send({ type: 'expect', deliveries: spec.writes * counts[i] });

    // The writer: one write in flight; paced runs also wait for each write's slot.
    const machineAtStart = machineBusyMicros();
    const ownCpuAtStart = process.cpuUsage();
    const start = nowMicros();
    const interval = spec.paceHz ? 1e6 / spec.paceHz : 0;
    const deadline = start + (spec.maxWriteSeconds ?? 120) * 1e6;
    let writes = 0;
    let writeErrors = 0;
    for (let seq = 0; seq < spec.writes && nowMicros() < deadline; seq++) {
      if (interval) {
        const wait = start + seq * interval - nowMicros();
        if (wait > 1000) await sleep(wait / 1000);
      }
      try {
        await writer.write(seq);
        writes++;
      } catch (error) {
        writeErrors++;
        if (writeErrors === 1) console.error(`  ${spec.system.id}: write ${seq} failed:`, error);
        break;
      }
    }
    const writesEnd = nowMicros();
    if (writes < spec.writes) {
      for (const [i, proc] of subscriberProcs.entries())
        proc.send({ type: 'expect', deliveries: writes * counts[i] });
    }

    // Wait for every delivery, or until they stop coming.
    lastProgressAt = performance.now();
    let finished = false;
    void allDone.then(() => (finished = true));
    while (!finished) {
      await Promise.race([allDone, sleep(250)]);
      if (!finished && performance.now() - lastProgressAt > STALL_MS) {
        for (const proc of subscriberProcs) proc.send({ type: 'finish' });
        await allDone;
      }
    }

    server.send({ type: 'stats' });
    const stats = await server.next<Extract<ServerMessage, { type: 'stats' }>>((m) => m.type === 'stats');
    const machineBusy = machineBusyMicros() - machineAtStart;
    const ownCpu = process.cpuUsage(ownCpuAtStart);
    const wallMicros = nowMicros() - start;
    writer.close();

    const latency = new Histogram();
    let total = 0;
    let disconnected = 0;
    let parseErrors = 0;
    let subscriberCpu = 0;
    let lastReceipt = start;
    for (const report of reports as SubscriberReport[]) {
      latency.merge(report.latency);
      total += report.received;
      disconnected += report.disconnected;
      parseErrors += report.errors;
      subscriberCpu += report.cpuMicros;
      if (report.received) lastReceipt = Math.max(lastReceipt, report.lastReceiptMicros);
    }
    const expected = writes * spec.subscribers;
    const cpu = stats.cpuUserMicros + stats.cpuSystemMicros;
    return {
      system: spec.system.id,
      subscribers: spec.subscribers,
      mode: spec.paceHz ? 'paced' : 'saturating',
      writesPlanned: spec.writes,
      writes,
      writeErrors,
      acceptedWritesPerSec: writes / ((writesEnd - start) / 1e6),
      deliveriesPerSec: total / ((lastReceipt - start) / 1e6),
      expected,
      received: total,
      lost: expected - total,
      disconnected,
      parseErrors,
      latencyMicros: {
        p50: latency.percentile(50),
        p99: latency.percentile(99),
        max: latency.max,
        mean: latency.mean(),
      },
      serverCpuMicros: cpu,
      serverCpuPerDeliveryMicros: total ? cpu / total : Number.NaN,
      subscriberCpuMicros: subscriberCpu,
      otherCpuCores:
        Math.max(0, machineBusy - cpu - subscriberCpu - ownCpu.user - ownCpu.system) / wallMicros,
      serverPeakRssMiB: stats.maxRssKiB / 1024,
      serverRssBeforeMiB: stats.rssAtMarkKiB / 1024,
      connectMs,
      durationMs: (lastReceipt - start) / 1000,
    };
  } finally {
    // Subscribers first (so the server sees clean closes), then the server (which writes its profile on exit).
    await Promise.all(children.slice(1).map((c) => c.stop()));
    await children[0]?.stop(30_000);
  }
}

function splitEvenly(total: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, total));
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

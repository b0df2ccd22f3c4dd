import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mainThreadProfiles, type ProfileEntry, summarizeCpuProfiles } from '../lib/cpuProfile';
import { fmtMicros, fmtRate } from '../lib/format';
import { printProfile } from '../lib/printProfile';
import { ROOT_DIR } from '../lib/results';
import { runOnce } from './runOnce';
import type { SystemInfo } from './systems';

export interface ProfileSummary {
  system: string;
  process: 'server' | 'subscribers';
  files: string[];
  busyMs: number;
  deliveries: number;
  top: ProfileEntry[];
}

/**
 * One extra run (at 1000 subscribers by default) with --cpu-prof on the server and subscriber processes, for braid-live and
 * for the ws baseline next to it (what the fastest comparable server spends its time on).
 */
export async function profileRun(
  system: SystemInfo,
  options: { subscribers: number; writes: number; subscriberProcesses: number },
): Promise<ProfileSummary[]> {
  const dir = join(tmpdir(), `braid-live-bench-profiles-${Date.now()}`, system.id);
  const serverDir = join(dir, 'server');
  const subscriberDir = join(dir, 'subscribers');
  mkdirSync(serverDir, { recursive: true });
  mkdirSync(subscriberDir, { recursive: true });
  const result = await runOnce({
    system,
    subscribers: options.subscribers,
    writes: options.writes,
    subscriberProcesses: options.subscriberProcesses,
    cpuProfileDir: serverDir,
    subscriberCpuProfileDir: subscriberDir,
  });
  console.log(
    `\nprofiled ${system.id} run (${options.subscribers} subscribers, saturating): ${fmtRate(result.deliveriesPerSec)} deliveries/s, ` +
      `p99 ${fmtMicros(result.latencyMicros.p99)}, server CPU ${fmtMicros(result.serverCpuPerDeliveryMicros)}/delivery; profiles in ${dir}`,
  );
  const out: ProfileSummary[] = [];
  for (const [which, d] of [
    ['server', serverDir],
    ['subscribers', subscriberDir],
  ] as const) {
    const files = mainThreadProfiles(d);
    if (!files.length) continue;
    const { busyMs, entries } = summarizeCpuProfiles(files, ROOT_DIR, 15);
    out.push({ system: system.id, process: which, files, busyMs, deliveries: result.received, top: entries });
    printProfile(
      `${system.id} ${which === 'server' ? 'server process' : 'subscriber processes'}: top functions by self time, ` +
        `${fmtMicros((busyMs * 1000) / Math.max(1, result.received))} busy per delivery`,
      busyMs,
      entries,
    );
  }
  return out;
}

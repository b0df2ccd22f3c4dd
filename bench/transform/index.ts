/**
 * pnpm bench transform: rebasing a pending write (3 patches) over 1,000 concurrent versions with
 * transformPatches, as the server's stale-Parents path does; and the same through the real server (a PUT whose
 * Parents is 1,000 versions old). Options: --behind=1000 --runs=20 --server-samples=5 --profile (where the
 * server's stale PUTs spend their time).
 */
import { type JsonPatch, transformPatches } from '@braid-live/core/protocol';
import { BenchArgs } from '../lib/args';
import { type CpuProfile, summarizeCpuProfiles } from '../lib/cpuProfile';
import { fmtMs } from '../lib/format';
import { printProfile } from '../lib/printProfile';
import { IN_PROCESS_PROFILER_FRAMES, profileInProcess } from '../lib/profileInProcess';
import { ROOT_DIR, writeResults } from '../lib/results';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import { measureServerRebase } from './serverRebase';
import { concurrentVersion, PENDING_WRITE } from './workload';

const args = new BenchArgs();
const behind = args.number('behind', 1000);
const runs = args.number('runs', 20);
const serverSamples = args.number('server-samples', 5);
const profile = args.flag('profile');

function rebase(pending: JsonPatch[], versions: JsonPatch[][]): JsonPatch[] {
  let rebased = pending;
  for (const later of versions) rebased = transformPatches(rebased, later, true);
  return rebased;
}

async function main(): Promise<void> {
  const versions = Array.from({ length: behind }, (_, i) => concurrentVersion(i + 1));
  const result = rebase(PENDING_WRITE, versions);
  const times: number[] = [];
  for (let run = 0; run <= runs; run++) {
    const start = performance.now();
    rebase(PENDING_WRITE, versions);
    if (run > 0) times.push(performance.now() - start);
  }
  const rebaseMs = median(times);

  let cpuProfile: CpuProfile | undefined;
  const server = await measureServerRebase(behind, serverSamples, async (run) => {
    if (profile) cpuProfile = await profileInProcess(run);
    else await run();
  });
  printTable(
    `transform: a pending write of ${PENDING_WRITE.length} patches rebased over ${behind} concurrent versions`,
    ['what', 'time', 'per version'],
    [
      [`transformPatches loop, in memory (median of ${runs})`, fmtMs(rebaseMs), fmtMs(rebaseMs / behind)],
      [
        `PUT through the server, Parents ${behind} versions old (median of ${serverSamples})`,
        fmtMs(server.staleMs),
        '—',
      ],
      [`PUT through the server, Parents = head (median of ${serverSamples})`, fmtMs(server.freshMs), '—'],
      [
        '  → cost of the rebase in the server',
        fmtMs(server.staleMs - server.freshMs),
        fmtMs((server.staleMs - server.freshMs) / behind),
      ],
    ],
  );
  console.log(`rebased write: ${JSON.stringify(result)}`);
  const summary = cpuProfile
    ? summarizeCpuProfiles([cpuProfile], ROOT_DIR, 15, IN_PROCESS_PROFILER_FRAMES)
    : undefined;
  if (summary) {
    printProfile(
      'server with stale PUTs (and fresh ones): top functions by self time',
      summary.busyMs,
      summary.entries,
    );
  }
  writeResults('transform', {
    behind,
    pendingPatches: PENDING_WRITE.length,
    inMemory: { runs, medianMs: rebaseMs, microsPerVersion: (rebaseMs * 1000) / behind },
    server,
    rebasedWrite: result,
    profile: summary,
  });
}

await main();

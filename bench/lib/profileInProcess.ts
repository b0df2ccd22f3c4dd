import { Session } from 'node:inspector/promises';
import type { CpuProfile } from './cpuProfile';

/**
 * The inspector's native `dispatch` frame: time the profiler spends serving its own session (building the
 * profile on Profiler.stop), not the code under test. Pass it to summarizeCpuProfiles' `ignore`.
 */
export const IN_PROCESS_PROFILER_FRAMES = ['dispatch'];

/**
 * Runs `fn` under V8's sampling profiler in this process (the same profile `node --cpu-prof` writes), so a
 * benchmark can show where the time of a missed target goes without a second process.
 */
export async function profileInProcess(fn: () => unknown, intervalMicros = 100): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
    await session.post('Profiler.start');
    await fn();
    const { profile } = await session.post('Profiler.stop');
    return profile as unknown as CpuProfile;
  } finally {
    session.disconnect();
  }
}

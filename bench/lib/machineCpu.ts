import { readFileSync } from 'node:fs';

/**
 * CPU time used by the whole machine (all processes, all cores), from /proc/stat, in µs. Subtracting what the
 * benchmark's own processes used during a run gives the CPU that other work on the machine took meanwhile,
 * which says how much a figure may have been disturbed (this is a shared 2-core machine). NaN off Linux.
 */
export function machineBusyMicros(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const ticks = user + nice + system + irq + softirq + (steal ?? 0);
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

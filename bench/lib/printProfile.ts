import type { ProfileEntry } from './cpuProfile';
import { fmtInt } from './format';
import { printTable } from './table';

export function printProfile(title: string, busyMs: number, entries: readonly ProfileEntry[]): void {
  printTable(
    `${title} (busy ${fmtInt(busyMs)} ms)`,
    ['function', 'location', 'self ms', 'self %'],
    entries.map((e) => [e.function, e.location, fmtInt(e.selfMs), `${e.selfPercent.toFixed(1)}%`]),
  );
}

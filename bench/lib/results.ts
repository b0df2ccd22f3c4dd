import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchArgs } from './args';
import type { Target } from './targets';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/** The repository root (profiles show paths relative to it). */
export const ROOT_DIR = resolve(BENCH_DIR, '..');

/**
 * Writes `bench/results/<name>.json` (or `<name>-<out>.json` with `--out=<out>`, for an experiment that should
 * not replace the last full run's file): the figures, the targets, and what machine and command produced them.
 */
export function writeResults(name: string, data: { targets?: Target[]; [key: string]: unknown }): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = new BenchArgs().list('out', [])[0];
  const file = join(RESULTS_DIR, out ? `${name}-${out}.json` : `${name}.json`);
  const options = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const record = {
    benchmark: name,
    date: new Date().toISOString(),
    command: ['pnpm bench', name, ...options].join(' '),
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    ...data,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
  return file;
}

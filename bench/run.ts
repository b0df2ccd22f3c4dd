/**
 * `pnpm bench [name] [--options]`: runs every benchmark (or the one named), each in its own Node process so
 * that one's heap and JIT state cannot colour another's, then prints every target as met / not met. This file
 * runs under tsx; the benchmarks run under loader/register.mjs (compiled as a production build would be).
 * Each benchmark prints its tables and writes bench/results/<name>.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { TS_LOADER } from './lib/child';
import { BENCH_DIR, RESULTS_DIR } from './lib/results';
import { printTargets, type Target } from './lib/targets';

/** Quick ones first: a broken benchmark shows up before the long fan-out run. */
const BENCHMARKS = [
  'bundle',
  'wire',
  'apply',
  'schema',
  'transform',
  'parse',
  'react',
  'hostile',
  'text',
  'fanout',
  'cluster',
  'persist',
] as const;

function runBenchmark(name: string, options: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', TS_LOADER, join(BENCH_DIR, name, 'index.ts'), ...options],
      {
        stdio: 'inherit',
      },
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  const options = args.filter((a) => a.startsWith('--'));
  const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
  const selected = names.length ? names : [...BENCHMARKS];
  console.log(
    `braid-live benchmarks: ${selected.join(', ')} — node ${process.version}, ${os.cpus().length} cores, ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );

  const started = performance.now();
  const failed: string[] = [];
  const finishedAt = new Map<string, number>();
  for (const name of selected) {
    console.log(`\n=== ${name} ===`);
    const t = performance.now();
    const code = await runBenchmark(name, options);
    finishedAt.set(name, Date.now());
    if (code !== 0) failed.push(name);
    console.log(
      `(${name}: ${((performance.now() - t) / 1000).toFixed(1)} s${code ? `, FAILED with exit code ${code}` : ''})`,
    );
  }

  // Every target judged in this run, from the results files the benchmarks just wrote.
  const targets: Target[] = [];
  for (const name of selected) {
    const out = options.find((o) => o.startsWith('--out='))?.slice('--out='.length);
    const file = join(RESULTS_DIR, out ? `${name}-${out}.json` : `${name}.json`);
    if (failed.includes(name) || !existsSync(file)) continue;
    const result = JSON.parse(readFileSync(file, 'utf8')) as { targets?: Target[] };
    for (const t of result.targets ?? []) targets.push({ ...t, name: `${name}: ${t.name}` });
  }
  if (targets.length) printTargets('all targets', targets);
  console.log(`\ntotal: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (failed.length) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

await main();

/**
 * pnpm bench parse: a recorded subscription of 100,000 dashboard updates, fed from memory in 1 KB and 16 KB
 * chunks to braid-live's createUpdateParser and to braid-http's client parser, against JSON.parse over the same
 * updates as NDJSON (the limit). Options: --updates=100000 --runs=5 --chunks=1024,16384.
 */
import { BenchArgs } from '../lib/args';
import { summarizeCpuProfiles } from '../lib/cpuProfile';
import { fmtBytes, fmtInt, fmtRate, fmtRatio } from '../lib/format';
import { printProfile } from '../lib/printProfile';
import { IN_PROCESS_PROFILER_FRAMES, profileInProcess } from '../lib/profileInProcess';
import { ROOT_DIR, writeResults } from '../lib/results';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';
import {
  braidHttpParser,
  braidLiveFraming,
  braidLiveWithJson,
  ndjsonParse,
  type ParseStream,
} from './parsers';
import { chunk, chunkAt, type RecordedStream, recordStream } from './recordedStream';

const args = new BenchArgs();
const updates = args.number('updates', 100_000);
const runs = args.number('runs', 5);
const chunkSizes = args.numbers('chunks', [1024, 16 * 1024]);
/** 0 stands for "one update per chunk", the way a live subscription usually arrives (measured, not judged). */
const ONE_UPDATE = 0;
const chunkLabel = (bytes: number) =>
  bytes === ONE_UPDATE ? 'one-update' : bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} B`;
const chunkings = args.flag('no-per-update') ? chunkSizes : [...chunkSizes, ONE_UPDATE];

interface Contender {
  id: string;
  label: string;
  input: 'braid' | 'ndjson';
  parse: ParseStream;
  /** The slow reference gets fewer runs (it takes seconds per run). */
  maxRuns?: number;
}

const CONTENDERS: Contender[] = [
  {
    id: 'braid-live',
    label: 'braid-live createUpdateParser (framing)',
    input: 'braid',
    parse: braidLiveFraming,
  },
  {
    id: 'braid-live+json',
    label: 'braid-live parser + JSON.parse of contents',
    input: 'braid',
    parse: braidLiveWithJson,
  },
  {
    id: 'braid-http',
    label: 'braid-http 1.3.80 subscription_parser',
    input: 'braid',
    parse: braidHttpParser,
    maxRuns: 3,
  },
  { id: 'ndjson', label: 'JSON.parse over NDJSON (the limit)', input: 'ndjson', parse: ndjsonParse },
];

interface Row {
  parser: string;
  label: string;
  chunkBytes: number;
  runs: number;
  streamBytes: number;
  medianMs: number;
  mbPerSec: number;
  updatesPerSec: number;
}

async function measure(contender: Contender, stream: RecordedStream, chunkBytes: number): Promise<Row> {
  const bytes = contender.input === 'braid' ? stream.braid : stream.ndjson;
  const ends = contender.input === 'braid' ? stream.braidEnds : stream.ndjsonEnds;
  const chunks = chunkBytes === ONE_UPDATE ? chunkAt(bytes, ends) : chunk(bytes, chunkBytes);
  const times: number[] = [];
  const runCount = Math.min(runs, contender.maxRuns ?? runs);
  for (let run = 0; run <= runCount; run++) {
    const start = performance.now();
    const result = await contender.parse(chunks);
    const ms = performance.now() - start;
    if (result.updates !== stream.updates || result.patches !== stream.patches) {
      throw new Error(
        `${contender.id}: parsed ${result.updates} updates / ${result.patches} patches, expected ${stream.updates} / ${stream.patches}`,
      );
    }
    if (run > 0) times.push(ms); // run 0 warms the JIT up
  }
  const ms = median(times);
  return {
    parser: contender.id,
    label: contender.label,
    chunkBytes,
    runs: runCount,
    streamBytes: bytes.length,
    medianMs: ms,
    mbPerSec: bytes.length / 1e6 / (ms / 1000),
    updatesPerSec: stream.updates / (ms / 1000),
  };
}

async function main(): Promise<void> {
  const stream = recordStream(updates);
  console.log(
    `recorded stream: ${fmtInt(stream.updates)} updates (${fmtInt(stream.patches)} patches); Braid ${fmtBytes(stream.braid.length)} ` +
      `(${(stream.braid.length / stream.updates).toFixed(0)} B/update), NDJSON ${fmtBytes(stream.ndjson.length)} ` +
      `(${(stream.ndjson.length / stream.updates).toFixed(0)} B/update)`,
  );
  const rows: Row[] = [];
  for (const chunkBytes of chunkings) {
    const block: Row[] = [];
    for (const contender of CONTENDERS) block.push(await measure(contender, stream, chunkBytes));
    rows.push(...block);
    const limit = block.find((r) => r.parser === 'ndjson')!;
    printTable(
      `parse: ${fmtInt(stream.updates)} updates in ${chunkLabel(chunkBytes)} chunks (median of ${runs} runs after a warm-up; braid-http: 3)`,
      ['parser', 'time', 'MB/s', 'updates/s', 'vs NDJSON'],
      block.map((r) => [
        r.label,
        `${r.medianMs.toFixed(0)} ms`,
        r.mbPerSec.toFixed(1),
        fmtRate(r.updatesPerSec),
        `${((100 * r.updatesPerSec) / limit.updatesPerSec).toFixed(0)}%`,
      ]),
    );
  }

  const targets: Target[] = [];
  for (const chunkBytes of chunkSizes) {
    const at = (id: string) => rows.find((r) => r.parser === id && r.chunkBytes === chunkBytes)!;
    const live = at('braid-live');
    const ndjson = at('ndjson');
    const braidHttp = at('braid-http');
    targets.push({
      name: `parser ≥ 50% of JSON.parse NDJSON (${chunkLabel(chunkBytes)} chunks)`,
      measured: `${fmtRate(live.updatesPerSec)}/s = ${((100 * live.updatesPerSec) / ndjson.updatesPerSec).toFixed(0)}% of ${fmtRate(ndjson.updatesPerSec)}/s`,
      met: live.updatesPerSec >= 0.5 * ndjson.updatesPerSec,
    });
    targets.push({
      name: `parser faster than braid-http's (${chunkLabel(chunkBytes)} chunks)`,
      measured: `${fmtRate(live.updatesPerSec)}/s vs ${fmtRate(braidHttp.updatesPerSec)}/s = ${fmtRatio(live.updatesPerSec / braidHttp.updatesPerSec)}`,
      met: live.updatesPerSec > braidHttp.updatesPerSec,
    });
  }
  printTargets(
    'parse targets (braid-live judged on framing only, as the design reference measures it)',
    targets,
  );

  // Where braid-live's parser spends its time, for each chunk size whose target was missed.
  const profiles = [];
  for (const chunkBytes of chunkSizes) {
    if (targets.every((t) => t.met || !t.name.includes(`(${chunkLabel(chunkBytes)} chunks)`))) continue;
    const chunks = chunk(stream.braid, chunkBytes);
    const profile = await profileInProcess(async () => {
      for (let i = 0; i < 3; i++) await braidLiveFraming(chunks);
    });
    const { busyMs, entries } = summarizeCpuProfiles([profile], ROOT_DIR, 12, IN_PROCESS_PROFILER_FRAMES);
    printProfile(
      `braid-live parser, ${chunkLabel(chunkBytes)} chunks, 3 passes: top functions by self time`,
      busyMs,
      entries,
    );
    profiles.push({ chunkBytes, busyMs, top: entries });
  }

  writeResults('parse', {
    stream: {
      updates: stream.updates,
      patches: stream.patches,
      braidBytes: stream.braid.length,
      ndjsonBytes: stream.ndjson.length,
    },
    runs,
    rows,
    targets,
    profiles,
  });
}

await main();

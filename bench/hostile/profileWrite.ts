/**
 * `node --import bench/loader/register.mjs bench/hostile/profileWrite.ts <row> [repeats]`: one row's hostile
 * request sent `repeats` times to an in-process server under V8's sampling profiler; prints where the time goes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type JsonPatch, serializeWrite } from '@braid-live/core/protocol';
import { createBraidServer, fileStore } from '@braid-live/server';
import { defineSharedResources } from '../../apps/dashboard/server/sharedResources';
import { type CpuProfile, summarizeCpuProfiles } from '../lib/cpuProfile';
import { printProfile } from '../lib/printProfile';
import { IN_PROCESS_PROFILER_FRAMES, profileInProcess } from '../lib/profileInProcess';
import { ROOT_DIR } from '../lib/results';
import { bigObject, bigString, hostileThresholds, items, keyPatches, splicePatches } from './workload';

const [row = 'thresholds', repeatsArg = '10'] = process.argv.slice(2);
const repeats = Number(repeatsArg);
const LONG_TASK_MS = 15;

const dir = await mkdtemp(join(tmpdir(), 'braid-profile-hostile-'));
const braid = createBraidServer({ store: fileStore(dir), onError: () => {} });
defineSharedResources(braid);
braid.resource('/big/:id', { initial: { s: '' } });
braid.resource('/items', { initial: { items: items(200_000) } });
braid.resource('/text', { initial: { s: bigString(1_000_000) } });
braid.resource('/keys', { initial: bigObject(20_000) });
braid.resource('/many/:id', { initial: { n: 0 } });
braid.resource('/doc64', { initial: { s: '' } });
braid.resource('/huge/:id', { initial: { s: '' } });
const server = http.createServer(braid.handler);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

/** The request's bytes are made before anything is measured: the loop delay is then the server's. */
function prepare(path: string, patches: JsonPatch[]): () => Promise<number> {
  const { headers, body } = serializeWrite({
    patches: patches.map((p) => ({ unit: 'json', range: p.range, content: JSON.stringify(p.content) })),
  });
  const bytes = Buffer.from(body);
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          method: 'PUT',
          host: '127.0.0.1',
          port,
          path,
          headers: { ...headers, 'Content-Length': bytes.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(bytes);
    });
}

const MiB = 2 ** 20;
const eight = prepare('/big/0', [{ range: '.s', content: 'e'.repeat(8 * MiB) }]);
const all = [true, false].map((done) =>
  prepare('/items', [{ range: '.items', content: items(200_000).map(() => ({ done })) }]),
);
const thresholds = prepare('/api/shared/thresholds', hostileThresholds());
const splices = prepare('/text', splicePatches('.s', 1000, 1_000_000));
const keys = prepare('/keys', keyPatches('', 1000, true));
const largest = Array.from({ length: 16 }, (_, i) =>
  prepare(`/big/l${i}`, [{ range: '.s', content: 'l'.repeat(4 * MiB - 64 * 1024) }]),
);
// The 413 row as the bench sends it, after the 300-PUT row has filled the pattern /many/:id.
const appendEight = prepare('/doc64', [{ range: '.s[-0:-0]', content: 'e'.repeat(8 * MiB) }]);
const writeNine = Array.from({ length: 12 }, (_, i) =>
  prepare(`/huge/${i}`, [{ range: '.s', content: 'n'.repeat(9 * MiB) }]),
);
if (row === 'refused')
  for (let i = 0; i < 300; i++) await prepare(`/many/${i}`, [{ range: '.n', content: i }])();
const requests: Record<string, (i: number) => Promise<number>> = {
  refused: (i) => (i % 20 < 8 ? appendEight() : writeNine[(i % 20) - 8]()),
  thresholds,
  splices,
  keys,
  largest: (i) => largest[i % largest.length](),
  // Four of the largest writes at once, from four connections.
  parallel: async (i) => {
    const statuses = await Promise.all([0, 1, 2, 3].map((k) => largest[(4 * i + k) % largest.length]()));
    return Math.max(...statuses);
  },
  eight,
  items: (i) => all[i & 1](),
};
const request = requests[row];
if (!request) throw new Error(`row: one of ${Object.keys(requests).join(', ')}`);
await request(1); // warm up (and loads the resource)
// A subscriber on the written resource, as the app that wrote it has one: the update's fan-out counts too.
const paths: Record<string, string> = {
  refused: '/doc64',
  thresholds: '/api/shared/thresholds',
  splices: '/text',
  keys: '/keys',
  largest: '/big/l1',
  parallel: '/big/l1',
  eight: '/big/0',
  items: '/items',
};
const subscriber = http.get(
  { host: '127.0.0.1', port, path: paths[row], headers: { Subscribe: 'true' } },
  (res) => res.resume(),
);
subscriber.on('error', () => {});
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
// Long tasks, as a 1 ms timer sees them (µs on the monotonic clock, the profile's clock too).
const gaps: { from: number; to: number }[] = [];
let lastTick = Number(process.hrtime.bigint() / 1000n);
const ticker = setInterval(() => {
  const now = Number(process.hrtime.bigint() / 1000n);
  if (now - lastTick > LONG_TASK_MS * 1000) gaps.push({ from: lastTick, to: now });
  lastTick = now;
}, 1);
const statuses: number[] = [];
const profile = await profileInProcess(async () => {
  for (let i = 0; i < repeats; i++) statuses.push(await request(i));
});
delay.disable();
clearInterval(ticker);
const { busyMs, entries } = summarizeCpuProfiles([profile], ROOT_DIR, 25, IN_PROCESS_PROFILER_FRAMES);
printProfile(
  `${row} ×${repeats}: answers ${[...new Set(statuses)]}, max loop delay ${(delay.max / 1e6).toFixed(1)} ms`,
  busyMs,
  entries,
);
printLongTasks(profile, gaps);
subscriber.destroy();
await braid.close();
server.close();
await rm(dir, { recursive: true, force: true });

/** Each task that held the loop longer than LONG_TASK_MS (the longest first), and where its time went. */
function printLongTasks(profile: CpuProfile, gaps: { from: number; to: number }[]): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, CpuProfile['nodes'][number]>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n);
  const frameName = (node: CpuProfile['nodes'][number] | undefined) => {
    const frame = node?.callFrame;
    return `${frame?.functionName || '(anonymous)'} ${frame?.url.split('/').slice(-2).join('/')}:${frame?.lineNumber}`;
  };
  const at: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) at.push((t += d));
  console.log(`tasks longer than ${LONG_TASK_MS} ms: ${gaps.length}`);
  for (const gap of [...gaps].sort((a, b) => b.to - b.from - (a.to - a.from)).slice(0, 6)) {
    const self = new Map<string, number>();
    const within = new Map<string, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      if (at[i] < gap.from || at[i] > gap.to) continue;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const node = byId.get(profile.samples[i]);
      self.set(frameName(node), (self.get(frameName(node)) ?? 0) + ms);
      // Inclusive: every function on the sample's stack, once.
      const seen = new Set<string>();
      for (let n = node; n; n = parentOf.get(n.id)) seen.add(frameName(n));
      for (const key of seen) within.set(key, (within.get(key) ?? 0) + ms);
    }
    console.log(`  ${((gap.to - gap.from) / 1000).toFixed(1)} ms:`);
    for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 8))
      console.log(`    ${ms.toFixed(1).padStart(6)} ms  ${key}`);
    if (process.env.PROFILE_STACKS)
      for (const [key, ms] of [...within].sort((a, b) => b[1] - a[1]).slice(0, 24))
        console.log(`    ${ms.toFixed(1).padStart(6)} ms  within ${key}`);
  }
}

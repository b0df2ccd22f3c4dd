/**
 * pnpm bench cluster: braid-live nodes on one redis-server (AOF, appendfsync always). (1) 1000 subscribers split
 * over 1, 2 and 3 nodes, one writer on the first node: deliveries/s, p99 write→receipt, node and Redis CPU per
 * delivery. (2) One hot resource, one writer on each of 3 nodes (one write in flight each): accepted writes/s
 * and how often an append lost the race. Options: --subs=1000 --nodes=1,2,3 --writes=500 --hot-seconds=5
 * --sub-procs=2.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { RedisServer } from '../../packages/server/test/helpers/redisServer';
import type { ServerMessage, SubscriberMessage, SubscriberReport } from '../fanout/messages';
import { connectWriter } from '../fanout/writers/braidPut';
import { BenchArgs } from '../lib/args';
import { type Child, spawnTs } from '../lib/child';
import { nowMicros, sleep } from '../lib/clock';
import { fmtInt, fmtMicros, fmtRate } from '../lib/format';
import { Histogram } from '../lib/histogram';
import { writeResults } from '../lib/results';
import { printTable } from '../lib/table';

const args = new BenchArgs();
const subscribers = args.number('subs', 1000);
const nodeCounts = args.numbers('nodes', [1, 2, 3]);
const writes = args.number('writes', 500);
const hotSeconds = args.number('hot-seconds', 5);
const subscriberProcesses = args.number('sub-procs', 2);
const FANOUT_DIR = join(import.meta.dirname, '../fanout');

/** CPU (user + system, µs) a process used so far, from /proc (Redis is not our child over IPC). */
function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime in clock ticks (100/s)
}

async function startNodes(
  count: number,
  redisUrl: string,
): Promise<{ node: Child<ServerMessage>; port: number }[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const node = spawnTs<ServerMessage>(join(FANOUT_DIR, 'servers/main.ts'), {
        args: ['braid-live'],
        env: { ...process.env, BENCH_REDIS_URL: redisUrl },
      });
      const { port } = await node.next<Extract<ServerMessage, { type: 'listening' }>>(
        (m) => m.type === 'listening',
        60_000,
      );
      return { node, port };
    }),
  );
}

async function nodeCpu(nodes: { node: Child<ServerMessage> }[]): Promise<number> {
  let total = 0;
  for (const { node } of nodes) {
    node.send({ type: 'stats' });
    const stats = await node.next<Extract<ServerMessage, { type: 'stats' }>>((m) => m.type === 'stats');
    total += stats.cpuUserMicros + stats.cpuSystemMicros;
  }
  return total;
}

interface FanoutResult {
  nodes: number;
  subscribers: number;
  writes: number;
  deliveriesPerSec: number;
  received: number;
  expected: number;
  p50Micros: number;
  p99Micros: number;
  nodeCpuPerDeliveryMicros: number;
  redisCpuPerDeliveryMicros: number;
}

/** 1000 subscribers over `count` nodes (round-robin by subscriber process), one writer on node 0. */
async function fanout(count: number): Promise<FanoutResult> {
  const redis = await new RedisServer().start();
  const children: Child[] = [];
  try {
    const nodes = await startNodes(count, redis.url);
    children.push(...nodes.map((n) => n.node));
    const procs = Math.max(subscriberProcesses, count);
    const counts = Array.from(
      { length: procs },
      (_, i) => Math.floor(subscribers / procs) + (i < subscribers % procs ? 1 : 0),
    );
    const subs = counts.map(() => spawnTs<SubscriberMessage>(join(FANOUT_DIR, 'subscribers/main.ts')));
    children.push(...subs);
    await Promise.all(
      subs.map((sub, i) => {
        sub.send({ type: 'connect', system: 'braid-live', port: nodes[i % count].port, count: counts[i] });
        return sub.next((m) => m.type === 'ready', 180_000);
      }),
    );
    const writer = await connectWriter(nodes[0].port);
    for (const { node } of nodes) {
      node.send({ type: 'mark' });
      await node.next((m) => m.type === 'marked');
    }
    const done = subs.map((sub) =>
      sub.next<Extract<SubscriberMessage, { type: 'done' }>>((m) => m.type === 'done', 600_000),
    );
    for (const [i, sub] of subs.entries()) sub.send({ type: 'expect', deliveries: writes * counts[i] });
    const redisCpuStart = processCpuMicros(redis.pid!);
    const start = nowMicros();
    for (let seq = 0; seq < writes; seq++) await writer.write(seq);
    const stall = setTimeout(() => {
      for (const sub of subs) sub.send({ type: 'finish' });
    }, 30_000);
    const reports: SubscriberReport[] = (await Promise.all(done)).map((d) => d.report);
    clearTimeout(stall);
    const redisCpu = processCpuMicros(redis.pid!) - redisCpuStart;
    const cpu = await nodeCpu(nodes);
    writer.close();
    const latency = new Histogram();
    let received = 0;
    let last = start;
    for (const report of reports) {
      latency.merge(report.latency);
      received += report.received;
      last = Math.max(last, report.lastReceiptMicros);
    }
    return {
      nodes: count,
      subscribers,
      writes,
      deliveriesPerSec: received / ((last - start) / 1e6),
      received,
      expected: writes * subscribers,
      p50Micros: latency.percentile(50),
      p99Micros: latency.percentile(99),
      nodeCpuPerDeliveryMicros: cpu / received,
      redisCpuPerDeliveryMicros: redisCpu / received,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await redis.destroy();
  }
}

interface HotResult {
  nodes: number;
  writers: number;
  seconds: number;
  acceptedWrites: number;
  writesPerSec: number;
  refused: number;
  nodeCpuPerWriteMicros: number;
  redisCpuPerWriteMicros: number;
  /** Versions in the log in the end: equals accepted writes if none was lost or doubled. */
  logVersions: number;
}

/** PUT without Parents (on the head) as fast as acknowledged, Version `<tag>-<n>`, until `until`. */
async function hotWriter(port: number, tag: string, until: number): Promise<{ ok: number; refused: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let ok = 0;
  let refused = 0;
  for (let n = 0; Date.now() < until; n++) {
    const body = JSON.stringify({ tag, n });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          method: 'PUT',
          host: '127.0.0.1',
          port,
          path: '/feed',
          agent,
          headers: {
            Version: JSON.stringify(`${tag}-${n}`),
            'Content-Range': 'json .last',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    if (status === 200) ok++;
    else refused++;
  }
  agent.destroy();
  return { ok, refused };
}

async function hot(count: number): Promise<HotResult> {
  const redis = await new RedisServer().start();
  const children: Child[] = [];
  try {
    const nodes = await startNodes(count, redis.url);
    children.push(...nodes.map((n) => n.node));
    for (const { node } of nodes) {
      node.send({ type: 'mark' });
      await node.next((m) => m.type === 'marked');
    }
    const redisCpuStart = processCpuMicros(redis.pid!);
    const started = Date.now();
    const until = started + hotSeconds * 1000;
    const results = await Promise.all(nodes.map((n, i) => hotWriter(n.port, `h${i}`, until)));
    const seconds = (Date.now() - started) / 1000;
    const redisCpu = processCpuMicros(redis.pid!) - redisCpuStart;
    const cpu = await nodeCpu(nodes);
    const accepted = results.reduce((sum, r) => sum + r.ok, 0);
    const head = spawnSync('redis-cli', ['-p', String(redis.port), 'HGET', 'braid:{/feed}:head', 'seq']);
    const logVersions = Number(String(head.stdout).trim());
    return {
      nodes: count,
      writers: count,
      seconds,
      acceptedWrites: accepted,
      writesPerSec: accepted / seconds,
      refused: results.reduce((sum, r) => sum + r.refused, 0),
      nodeCpuPerWriteMicros: cpu / accepted,
      redisCpuPerWriteMicros: redisCpu / accepted,
      logVersions,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await redis.destroy();
  }
}

const fanouts: FanoutResult[] = [];
for (const count of nodeCounts) {
  const result = await fanout(count);
  fanouts.push(result);
  console.log(`  fan-out over ${count} node(s): ${fmtRate(result.deliveriesPerSec)} deliveries/s`);
}
printTable(
  `${subscribers} subscribers split over N nodes, one writer on node 1 (one write in flight), ${writes} writes`,
  [
    'nodes',
    'deliveries/s',
    'received',
    'p50 write→receipt',
    'p99 write→receipt',
    'node CPU/delivery',
    'Redis CPU/delivery',
  ],
  fanouts.map((r) => [
    String(r.nodes),
    fmtRate(r.deliveriesPerSec),
    `${fmtInt(r.received)}/${fmtInt(r.expected)}`,
    fmtMicros(r.p50Micros),
    fmtMicros(r.p99Micros),
    fmtMicros(r.nodeCpuPerDeliveryMicros),
    fmtMicros(r.redisCpuPerDeliveryMicros),
  ]),
);

const hots: HotResult[] = [];
for (const count of [1, 3]) hots.push(await hot(count));
printTable(
  `one hot resource, one writer per node (one write in flight each), ${hotSeconds} s`,
  [
    'nodes = writers',
    'writes/s',
    'accepted',
    'refused',
    'versions in the log',
    'node CPU/write',
    'Redis CPU/write',
  ],
  hots.map((r) => [
    String(r.nodes),
    fmtRate(r.writesPerSec),
    fmtInt(r.acceptedWrites),
    fmtInt(r.refused),
    fmtInt(r.logVersions),
    fmtMicros(r.nodeCpuPerWriteMicros),
    fmtMicros(r.redisCpuPerWriteMicros),
  ]),
);
await sleep(10);
writeResults('cluster', { fanout: fanouts, hotResource: hots });

/**
 * pnpm bench text: N people typing into one braid.text resource at once (TextResource clients over real HTTP,
 * each keystroke a one-code-point insert at a random place), one more client watching. Measures the latency
 * from a keystroke to the watcher having it (p50/p99), and the server's CPU time per keystroke (the server runs
 * in its own process). Options: --typists=10,100 --seconds=5 --rate=10 (keystrokes/s per typist at 10; fewer
 * for 100, so the clients' own process is not the bottleneck: the total rate is printed).
 */
import { fileURLToPath } from 'node:url';
import { codePointLength, TextResource } from '@braid-live/core/text';
import { BenchArgs } from '../lib/args';
import { type Child, spawnTs } from '../lib/child';
import { fmtMicros, fmtMs } from '../lib/format';
import { writeResults } from '../lib/results';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';

const args = new BenchArgs();
const typistCounts = args.list('typists', ['10', '100']).map(Number);
/** One more run: 10 typists in a long document (cost per keystroke should follow the edit, not the length). */
const longDocument = args.number('long', 100_000);
const seconds = args.number('seconds', 5);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

interface Row {
  typists: number;
  /** Code points in the document before the typing. */
  initialLength: number;
  keystrokes: number;
  keystrokesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  serverMicrosPerKeystroke: number;
  /** Of it, in the process itself (JavaScript, GC): the rest is the kernel's (sockets). */
  serverUserMicrosPerKeystroke: number;
  converged: boolean;
}

interface ServerMessage {
  type: string;
  port?: number;
  micros?: number;
  userMicros?: number;
  text?: string;
}

async function run(
  typists: number,
  port: number,
  child: Child<ServerMessage>,
  initialLength = 0,
): Promise<Row> {
  const path = initialLength ? `/long/${initialLength}` : `/doc/${typists}`;
  const url = `http://127.0.0.1:${port}${path}`;
  const rate = typists >= 100 ? 2 : 10; // keystrokes per second per typist
  const clients = Array.from({ length: typists }, (_, i) => new TextResource(url, { peer: `t${i}` }));
  const watcher = new TextResource(url, { peer: 'watcher' });
  await Promise.all([...clients, watcher].map((c) => c.ready));
  // Every keystroke inserts its own code point (from U+4E00 on), so the watcher knows which one arrived.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  watcher.subscribe(({ splices }) => {
    const now = performance.now();
    for (const s of splices ?? []) {
      for (const ch of s.content) {
        const at = sentAt.get(ch);
        if (at !== undefined) latencies.push(now - at);
      }
    }
  });
  let next = 0x4e00;
  const cpu = async () => {
    child.send({ type: 'cpu' });
    const m = await child.next<ServerMessage>((m) => m.type === 'cpu');
    return { total: m.micros ?? 0, user: m.userMicros ?? 0 };
  };
  const cpuBefore = await cpu();
  const started = performance.now();
  const timers = clients.map((client) =>
    setInterval(
      () => {
        const ch = String.fromCodePoint(next++);
        const length = codePointLength(client.text);
        const at = Math.floor(Math.random() * (length + 1));
        sentAt.set(ch, performance.now());
        client.edit([{ start: at, end: at, content: ch }]);
      },
      1000 / rate + Math.random(),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  for (const t of timers) clearInterval(t);
  const elapsed = (performance.now() - started) / 1000;
  const keystrokes = next - 0x4e00;
  // Let everything land (catch-ups included) before reading the server's CPU.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && [...clients, watcher].some((c) => c.pending))
    await new Promise((r) => setTimeout(r, 50));
  const cpuAfter = await cpu();
  child.send({ type: 'text', path });
  const serverText = (await child.next((m) => m.type === 'text')).text ?? '';
  let converged = false;
  for (let i = 0; i < 100 && !converged; i++) {
    converged = [...clients, watcher].every((c) => c.text === serverText);
    if (!converged) await new Promise((r) => setTimeout(r, 100));
  }
  for (const c of [...clients, watcher]) c.close();
  return {
    typists,
    initialLength,
    keystrokes,
    keystrokesPerSecond: keystrokes / elapsed,
    latencyP50Ms: median(latencies),
    latencyP99Ms: percentile(latencies, 99),
    serverMicrosPerKeystroke: (cpuAfter.total - cpuBefore.total) / keystrokes,
    serverUserMicrosPerKeystroke: (cpuAfter.user - cpuBefore.user) / keystrokes,
    converged: converged && [...serverText].length === keystrokes + initialLength,
  };
}

// --cpu-prof=DIR: the server process writes a V8 CPU profile there (open it in Chrome's devtools).
const profileDir = args.list('cpu-prof', [])[0] ?? '';
const child = spawnTs<ServerMessage>(fileURLToPath(new URL('./server.ts', import.meta.url)), {
  nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
});
const port = (await child.next((m) => m.type === 'ready')).port ?? 0;
const rows: Row[] = [];
try {
  for (const typists of typistCounts) rows.push(await run(typists, port, child));
  if (longDocument) rows.push(await run(10, port, child, longDocument));
} finally {
  await child.stop();
}
printTable(
  'collaborative text: keystroke → watcher latency, server CPU per keystroke',
  [
    'typists',
    'document',
    'keystrokes',
    'per s',
    'p50',
    'p99',
    'server CPU / keystroke',
    'of it user',
    'converged',
  ],
  rows.map((r) => [
    r.typists,
    r.initialLength ? `${r.initialLength} cp` : 'empty',
    r.keystrokes,
    r.keystrokesPerSecond.toFixed(0),
    fmtMs(r.latencyP50Ms),
    fmtMs(r.latencyP99Ms),
    fmtMicros(r.serverMicrosPerKeystroke),
    fmtMicros(r.serverUserMicrosPerKeystroke),
    r.converged ? 'yes' : 'NO',
  ]),
);
const targets: Target[] = rows.map((r) => ({
  name: `${r.typists} typists${r.initialLength ? ` in ${r.initialLength} code points` : ''}: every replica equals the server, every keystroke kept`,
  measured: `${r.keystrokes} keystrokes, converged ${r.converged}`,
  met: r.converged,
}));
printTargets('text targets', targets);
writeResults('text', { rows, targets });
if (!rows.every((r) => r.converged)) process.exitCode = 1;

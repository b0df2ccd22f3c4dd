// `pnpm demo:cluster`: the dashboard on two server nodes sharing one Redis. Starts redis-server (Debian's
// `apt-get install redis-server`; AOF on, `appendfsync always`, data in apps/dashboard/data/redis) and two nodes
// (server/main.ts with REDIS_URL) on ports 8080 and 8081. Open one page on each: they stay in sync.
// Environment: REDIS_PORT (default 6390, so a Redis you already run on 6379 is left alone), PORTS (default
// "8080,8081"), HOST, DIST_DIR. Ctrl-C stops the nodes, then Redis (each by its PID).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const redisDir = join(appDir, 'data', 'redis');
const redisPort = Number(process.env.REDIS_PORT ?? 6390);
const ports = (process.env.PORTS ?? '8080,8081').split(',').map(Number);
const children: ChildProcess[] = [];

if (spawnSync('redis-server', ['--version']).error) {
  console.error(
    'redis-server is not installed: apt-get install -y redis-server (Debian/Ubuntu), then pnpm demo:cluster',
  );
  process.exit(1);
}
mkdirSync(redisDir, { recursive: true });

function start(command: string, args: string[], env: Record<string, string>, name: string): ChildProcess {
  const child = spawn(command, args, {
    cwd: appDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const prefix = (chunk: Buffer) =>
    String(chunk)
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => `[${name}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping the demo`);
      stop();
    }
  });
  return child;
}

function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 120 s`)), 120_000);
    const onData = (chunk: Buffer) => {
      seen += chunk;
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  // Nodes first (they finish writes in progress), Redis last.
  const [redis, ...nodes] = children;
  let left = nodes.length;
  const stopRedis = () => {
    redis.kill('SIGTERM');
    redis.once('exit', () => process.exit(process.exitCode ?? 0));
  };
  if (left === 0) stopRedis();
  for (const node of nodes) {
    node.once('exit', () => --left === 0 && stopRedis());
    node.kill('SIGTERM');
  }
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const redis = start(
  'redis-server',
  [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    redisDir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
  ],
  {},
  'redis',
);
const redisUrl = `redis://127.0.0.1:${redisPort}`;
try {
  await waitFor(redis, /Ready to accept connections/, 'redis-server');
  await Promise.all(
    ports.map((port) => {
      const node = start(
        process.execPath,
        ['--conditions=@braid-live/source', '--import', 'tsx', 'server/main.ts'],
        { PORT: String(port), REDIS_URL: redisUrl },
        `node ${port}`,
      );
      return waitFor(node, /ready at/, `node ${port}`);
    }),
  );
} catch (error) {
  // Whatever did start is stopped (by PID), so nothing outlives a failed start.
  console.error(String(error));
  process.exitCode = 1;
  stop();
}
if (!stopping)
  console.log(
    `\n  braid-live cluster demo: ${ports.map((p) => `http://127.0.0.1:${p}/`).join(' and ')} share ${redisUrl}` +
      '\n  open one page on each and edit: both stay in sync. Ctrl-C stops everything.\n',
  );

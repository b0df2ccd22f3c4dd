import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { reportedPort } from './childPort';

const NODE_SCRIPT = fileURLToPath(new URL('../cluster/clusterNode.ts', import.meta.url));
let bundled: Promise<string> | undefined;

/**
 * The node script bundled once per test file (esbuild, a few hundred ms), so that each node process starts in
 * well under a second instead of compiling TypeScript on start.
 */
function nodeScript(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'braid-cluster-node-')), 'clusterNode.cjs');
    await build({
      entryPoints: [NODE_SCRIPT],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      logLevel: 'error',
      // The workspace packages from their TypeScript sources (no build needed), as in the tests.
      conditions: ['@braid-live/source'],
    });
    return outfile;
  })();
  return bundled;
}

/** A server node in its own process (test/cluster/clusterNode.ts), on 127.0.0.1. */
export interface NodeProcess {
  child: ChildProcess;
  port: number;
  origin: string;
  stderr: () => string;
  /** SIGKILL by PID, resolved once it has exited. */
  kill(): Promise<void>;
}

export async function startNodeProcess(redisUrl: string, limits?: object): Promise<NodeProcess> {
  const args = [await nodeScript(), redisUrl];
  if (limits) args.push(JSON.stringify(limits));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const { port: reported, stderr } = reportedPort(child, 20_000, 'node');
  const port = await reported;
  return {
    child,
    port,
    origin: `http://127.0.0.1:${port}`,
    stderr,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * A `fetch` that sends each request to one of several nodes, like a load balancer with failover: it sticks to
 * one node, and moves to the next when a connection to it fails (the client then retries, as it would behind
 * a balancer that took a dead node out). `requests` records what was sent where.
 */
export function failoverFetch(origins: string[], start = 0) {
  let current = start;
  const requests: { origin: string; method: string; headers: Headers }[] = [];
  const fetchLike = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const origin = origins[current];
    const target = new URL(url.pathname + url.search, origin);
    requests.push({ origin, method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    try {
      return await fetch(target, init);
    } catch (error) {
      if (origins[current] === origin) current = (current + 1) % origins.length;
      throw error;
    }
  };
  return {
    fetch: fetchLike,
    requests,
    /** Moves off `origin` (its stream ended: the node is gone). */
    avoid(origin: string) {
      if (origins[current] === origin) current = (current + 1) % origins.length;
    },
  };
}

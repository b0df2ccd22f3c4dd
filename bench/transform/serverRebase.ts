import http from 'node:http';
import { parseVersions, serializeWrite } from '@braid-live/core/protocol';
import { createBraidServer, memoryStore } from '@braid-live/server';
import { median } from '../lib/stats';
import { concurrentVersion, initialDashboard, PENDING_WRITE } from './workload';

const PATH = '/dashboard';

export interface ServerRebaseResult {
  behind: number;
  staleMs: number;
  freshMs: number;
  samples: number;
}

/**
 * The same rebase through the real server, in this process, over loopback: `behind` versions written first
 * (PUTs, so history holds their patches as clients send them), then PUTs of the pending write whose Parents is
 * `behind` versions old, against PUTs whose Parents is the head. History is raised above its default of 1000
 * so that the old Parents is still in memory.
 */
export async function measureServerRebase(
  behind: number,
  samples: number,
  /** Wraps the stale PUTs (e.g. in a CPU profile). */
  aroundStalePuts: (run: () => Promise<void>) => Promise<unknown> = (run) => run(),
): Promise<ServerRebaseResult> {
  const braid = createBraidServer({ store: memoryStore(), limits: { maxHistory: behind * 2 + 100 } });
  braid.resource(PATH, { initial: initialDashboard(), initialVersion: 'v0' });
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const versions = ['v0'];

  const put = (version: string, parents: string, patches: typeof PENDING_WRITE) => {
    const { headers, body } = serializeWrite({
      version: [version],
      parents: [parents],
      patches: patches.map((p) => ({ range: p.range, content: JSON.stringify(p.content) })),
    });
    const start = performance.now();
    return new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          method: 'PUT',
          host: '127.0.0.1',
          port,
          path: PATH,
          agent,
          headers: { ...headers, 'Content-Length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`PUT ${version} answered ${res.statusCode}`));
            versions.push(parseVersions(String(res.headers.version))[0] ?? version);
            resolve(performance.now() - start);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };

  try {
    for (let i = 1; i <= behind; i++)
      await put(`c-${i}`, versions[versions.length - 1], concurrentVersion(i));
    const stale: number[] = [];
    const fresh: number[] = [];
    // Sample 0 of each warms up; stale and fresh alternate so both see the same history length.
    await aroundStalePuts(async () => {
      for (let s = 0; s <= samples; s++) {
        const staleMs = await put(`stale-${s}`, versions[versions.length - 1 - behind], PENDING_WRITE);
        const freshMs = await put(`fresh-${s}`, versions[versions.length - 1], PENDING_WRITE);
        if (s > 0) {
          stale.push(staleMs);
          fresh.push(freshMs);
        }
      }
    });
    return { behind, staleMs: median(stale), freshMs: median(fresh), samples };
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await braid.close();
  }
}

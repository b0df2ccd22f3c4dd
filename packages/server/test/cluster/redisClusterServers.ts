import { type ChildProcess, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnRedis } from '../helpers/redisServer';

const execFileAsync = promisify(execFile);

/**
 * A real Redis Cluster of three primaries (no replicas): three `redis-server --cluster-enabled yes` processes on
 * 127.0.0.1 in a temporary directory (AOF, appendfsync always), joined by `redis-cli --cluster create`.
 * Stopped by PID only.
 */
export class RedisClusterServers {
  readonly dir = mkdtempSync(join(tmpdir(), 'braid-redis-cluster-'));
  readonly ports: number[] = [];
  private readonly children: ChildProcess[] = [];

  get nodes(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  async start(count = 3): Promise<this> {
    for (let i = 0; i < count; i++) this.ports.push(await freePort());
    await Promise.all(this.ports.map((port) => this.spawn(port)));
    await execFileAsync(
      'redis-cli',
      ['--cluster', 'create', ...this.nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    // Every node must agree the cluster is up (all slots covered) before it serves keys.
    const deadline = Date.now() + 30_000;
    for (const port of this.ports) {
      for (;;) {
        const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), 'CLUSTER', 'INFO']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok: ${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return this;
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async spawn(port: number): Promise<void> {
    const dir = join(this.dir, String(port));
    mkdirSync(dir);
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir];
    args.push('--appendonly', 'yes', '--appendfsync', 'always', '--save', '');
    this.children.push(await spawnRedis(port, args));
  }
}

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnRedis } from '../helpers/redisServer';

/**
 * A real redis-server WITHOUT persistence (no AOF, no RDB): restarting it loses every key, as a Redis
 * configured without AOF (or a failover to an empty replica) does. Its own temporary directory and port on
 * 127.0.0.1; stopped by PID only.
 */
export class VolatileRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'braid-redis-volatile-'));
  port = 0;
  private child: ChildProcess | undefined;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    await this.spawn();
    return this;
  }

  /** SIGKILL, then a new redis-server on the same port: empty. */
  async restartEmpty(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  private async spawn(): Promise<void> {
    this.child = await spawnRedis(this.port, ['--dir', this.dir, '--appendonly', 'no', '--save', '']);
  }
}

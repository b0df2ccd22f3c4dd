import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real redis-server (Debian's package) for one test file: its own temporary directory, a random 127.0.0.1
 * port, AOF on with `appendfsync always` (every acknowledged write is on disk), no RDB snapshots. Stopped and
 * killed by its PID only; `restart()` starts it again on the same port and directory (so from its AOF).
 */
export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'braid-redis-'));
  private child: ChildProcess | undefined;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<this> {
    for (let tries = 0; ; tries++) {
      if (!this.port || tries > 0) this.port = await freePort();
      try {
        await this.spawn();
        return this;
      } catch (error) {
        if (tries >= 3) throw error;
      }
    }
  }

  /** Starts again on the same port and directory: Redis replays its AOF. */
  restart(): Promise<void> {
    return this.spawn();
  }

  /** SIGKILL: no shutdown, no final fsync beyond what `appendfsync always` already did. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Stops Redis (if running) and removes its directory. */
  async destroy(): Promise<void> {
    await this.signal('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  private async spawn(): Promise<void> {
    this.child = await spawnRedis(this.port, [
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ]);
  }
}

/**
 * Starts `redis-server` on 127.0.0.1:`port` with `args` and resolves once it accepts connections (its output is
 * in the error when it does not, within 10 s; a server that did not come up is killed).
 */
export function spawnRedis(port: number, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--daemonize',
      'no',
      '--loglevel',
      'notice',
      '--logfile',
      '',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server ${port} did not start: ${out}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server ${port} exited (${code}): ${out}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

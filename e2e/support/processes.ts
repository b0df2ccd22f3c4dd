import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  process: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  exited: Promise<number | null>;
}

/** Spawns a process with a bounded life: it is killed after `maxLifeMs` whatever happens to the test. */
export function startChild(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; maxLifeMs: number },
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const lifeTimer = setTimeout(() => child.kill('SIGKILL'), options.maxLifeMs);
  lifeTimer.unref();
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(lifeTimer);
      resolve(code);
    });
    child.once('error', () => {
      clearTimeout(lifeTimer);
      resolve(null);
    });
  });
  return { process: child, output: () => output, exited };
}

/** Resolves once `child` printed something matching `pattern` (or rejects when it exits or time runs out). */
export function waitForOutput(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = child.output().match(pattern);
      if (match) {
        done();
        resolve(match);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${child.output()}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`exited (${code}) before printing ${pattern}; output:\n${child.output()}`));
    };
    const done = () => {
      clearTimeout(timer);
      child.process.stdout?.off('data', check);
      child.process.stderr?.off('data', check);
      child.process.off('exit', onExit);
    };
    child.process.stdout?.on('data', check);
    child.process.stderr?.on('data', check);
    child.process.once('exit', onExit);
    check();
  });
}

/** Kills a child by its PID and waits until it is gone (SIGKILL after `graceMs` if `signal` was gentler). */
export async function killChild(
  child: Child | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
  graceMs = 3000,
): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const pid = child.process.pid;
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
}

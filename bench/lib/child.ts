import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `--import` this to run the benchmarks' TypeScript as a production build would run it (see loader/register.mjs:
 * tsx's keepNames alone made the json transform twice as slow).
 */
export const TS_LOADER = fileURLToPath(new URL('../loader/register.mjs', import.meta.url));

/**
 * A TypeScript module run in its own Node process (`node --import loader/register.mjs file`), talking to us over IPC. Every
 * benchmark child is started here and stopped by its own PID, never by name.
 */
export interface Child<Out = any> {
  proc: ChildProcess;
  send(message: unknown): void;
  /** Resolves with the next message that passes `match`; rejects if the child exits or `timeoutMs` passes. */
  next<T extends Out = Out>(match: (message: Out) => boolean, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit (`{type:'exit'}`), and kills it by PID if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Extra flags for node, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  nodeFlags?: string[];
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Another runtime that runs TypeScript itself and speaks Node's IPC (Bun): its binary. */
  execPath?: string;
}

export function spawnTs<Out = any>(file: string, options: SpawnOptions = {}): Child<Out> {
  const proc = fork(file, options.args ?? [], {
    execArgv: options.execPath
      ? ['--conditions=@braid-live/source']
      : ['--import', TS_LOADER, ...(options.nodeFlags ?? [])],
    execPath: options.execPath,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: options.env ?? process.env,
  });
  let exited = proc.exitCode !== null;
  const exitWaiters: (() => void)[] = [];
  proc.once('exit', () => {
    exited = true;
    for (const w of exitWaiters.splice(0)) w();
  });

  const child: Child<Out> = {
    proc,
    send(message) {
      if (!exited && proc.connected) proc.send(message as any);
    },
    next<T extends Out>(match: (message: Out) => boolean, timeoutMs = 120_000) {
      return new Promise<T>((resolve, reject) => {
        const onMessage = (message: Out) => {
          if (!match(message)) return;
          cleanup();
          resolve(message as T);
        };
        const onExit = (code: number | null, signal: string | null) => {
          cleanup();
          reject(new Error(`${file} exited (code ${code}, signal ${signal}) before answering`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${file}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          proc.off('message', onMessage);
          proc.off('exit', onExit);
        };
        proc.on('message', onMessage);
        proc.once('exit', onExit);
      });
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      const gone = new Promise<void>((resolve) => exitWaiters.push(resolve));
      child.send({ type: 'exit' });
      const timer = setTimeout(() => {
        if (!exited && proc.pid !== undefined) {
          try {
            process.kill(proc.pid, 'SIGKILL');
          } catch {}
        }
      }, graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
  return child;
}

/** In a child: calls `handler` for each IPC message, and exits when the parent says so or goes away. */
export function onParentMessage(handler: (message: any) => void | Promise<void>): void {
  process.on('message', (message: any) => {
    if (message?.type === 'exit') {
      // process.exit (not a kill) so that --cpu-prof writes its profile.
      setImmediate(() => process.exit(0));
      return;
    }
    Promise.resolve(handler(message)).catch((error) => {
      console.error(error);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

export function sendToParent(message: unknown): void {
  process.send?.(message);
}

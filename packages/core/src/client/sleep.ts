import { systemTimers, type Timers } from './machine/timers';

/** Resolves after `ms`, or early (without error) when `signal` aborts. The timer dies with the signal. */
export function sleep(ms: number, signal?: AbortSignal, timers: Timers = systemTimers): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      timers.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = timers.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The clock and timers a ClientResource runs on, injected (through its context) so its loop can be driven by
 * fake timers. The default looks the globals up at each call, so `vi.useFakeTimers()` installed after the client
 * was made still takes effect.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

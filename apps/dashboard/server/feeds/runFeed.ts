export interface FeedOptions {
  /** Average ms between ticks; each wait is jittered by ±40% so feeds don't tick in lockstep. */
  everyMs: number;
  /** Makes one server-side write. A tick starts only after the previous one finished (no pile-up). */
  tick: () => Promise<unknown>;
  onError: (error: unknown) => void;
}

/** Runs `tick` on a jittered timer until the returned stop function is called. */
export function runFeed({ everyMs, tick, onError }: FeedOptions): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, everyMs * (0.6 + Math.random() * 0.8));
  };
  const run = () => {
    tick().then(schedule, (error) => {
      if (!stopped) onError(error);
      schedule();
    });
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

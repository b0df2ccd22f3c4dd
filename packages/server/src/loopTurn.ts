/**
 * Long work done in turns that give the event loop back: one big write (an 8 MiB body is parsed, hashed,
 * encoded and stored in several passes of 5–20 ms each) or a compaction (a frame per record) would otherwise
 * hold every other client for the sum of its passes. Between two passes, `pause()` lets timers, sockets and
 * other requests run once the turn has lasted SLICE_MS; small work never waits (it never gets that far).
 *
 * Turns that pause wait in one queue, and one of them goes on per iteration of the event loop: were each to
 * schedule its own setImmediate, every paused turn would run its slice in the same check phase (a write being
 * parsed, the previous one's compaction, another client's write: 3 × SLICE_MS, with nothing else between).
 */
const SLICE_MS = 8;

/** Resumes of the paused turns, oldest first; one is called per loop iteration (round robin). */
const waiting: (() => void)[] = [];
let resumeScheduled = false;

function resumeNext(): void {
  const resume = waiting.shift();
  // (Scheduled before resuming: an immediate queued now runs in the next iteration, after sockets and timers.)
  resumeScheduled = waiting.length > 0;
  if (resumeScheduled) setImmediate(resumeNext);
  resume?.();
}

function queueForTurn(resolve: () => void): void {
  waiting.push(resolve);
  if (resumeScheduled) return;
  resumeScheduled = true;
  setImmediate(resumeNext);
}

/**
 * `afterIo`: the turn began in an I/O callback (the poll phase), where an immediate runs in this very
 * iteration's check phase, before any timer: its next slice would follow this one with nothing between (a
 * body's decode, then its parse and store: 14 + 20 ms held as one). It joins the queue from the check phase
 * instead, so it is resumed in a later iteration, after timers and sockets.
 */
function waitForTurn(afterIo: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    if (afterIo) setImmediate(() => queueForTurn(resolve));
    else queueForTurn(resolve);
  });
}

export class LoopTurn {
  private started = performance.now();
  /** Whether the turn goes on from a resume of the queue (in the check phase), not from I/O. */
  private resumedByQueue = false;

  /** Whether this turn has run long enough to give the loop back at the next pause. */
  get due(): boolean {
    return performance.now() - this.started >= SLICE_MS;
  }

  /** A new turn starts: the caller just awaited something that gave the loop back (I/O). */
  restart(): void {
    this.started = performance.now();
    this.resumedByQueue = false;
  }

  /**
   * Gives the loop back now, due or not, unless this slice is already one the queue resumed: before a pass
   * that is one piece of ~10 ms or more (a big content's decode). Several bodies that end in the same poll
   * phase would otherwise each run theirs there, back to back (4 × 4 MiB: 70 ms).
   */
  async queueBeforeBigStep(): Promise<void> {
    if (this.resumedByQueue && !this.due) return;
    await this.giveBack();
  }

  /** Gives the loop back when the turn is due (a macrotask: timers and I/O run), else resolves at once. */
  async pause(): Promise<void> {
    if (this.due) await this.giveBack();
  }

  private async giveBack(): Promise<void> {
    await waitForTurn(!this.resumedByQueue);
    this.resumedByQueue = true;
    this.started = performance.now();
  }
}

/** Drives `steps` (a generator that yields where it may pause) to its end, pausing `turn` at each yield. */
export async function runInTurns<T>(steps: Generator<undefined, T>, turn: LoopTurn): Promise<T> {
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done) return next.value;
    await turn.pause();
  }
}

/** Drives `steps` to its end at once (for a caller that cannot pause). */
export function runNow<T>(steps: Generator<undefined, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Long work done in turns that give the event loop back: one big write (an 8 MiB body is parsed, hashed,
 * encoded and stored in several passes of 5–20 ms each) or a compaction (a frame per record) would otherwise
 * hold every other client for the sum of its passes. Between two passes, `pause()` lets timers, sockets and
 * other requests run once the turn has lasted SLICE_MS; small work never waits (it never gets that far).
 */
const SLICE_MS = 8;

export class LoopTurn {
  private started = performance.now();

  /** Whether this turn has run long enough to give the loop back at the next pause. */
  get due(): boolean {
    return performance.now() - this.started >= SLICE_MS;
  }

  /** A new turn starts: the caller just awaited something that gave the loop back (I/O). */
  restart(): void {
    this.started = performance.now();
  }

  /** Gives the loop back when the turn is due (a macrotask: timers and I/O run), else resolves at once. */
  async pause(): Promise<void> {
    if (!this.due) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}

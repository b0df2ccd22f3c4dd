/**
 * The pace at which one server reads and throws away refused request bodies, all connections together
 * (`maxDiscardBytesPerSecond`). A refused body is read to its end so that a client that sends it all before
 * reading still sees the answer; read as fast as it comes, a client pushing large bodies over a fast link
 * would take the machine's CPU (kernel copies on both sides) from everyone else. Past the rate, reading waits
 * and the rest of the body waits in the client's socket (TCP flow control).
 */
export class DiscardRate {
  /** When (performance.now() ms) the bytes taken so far are paid for. */
  private paidUntil = 0;

  /**
   * @param bytesPerSecond more than 0; Infinity: as fast as they come.
   * @param burstMs how far idle time counts as credit: this many ms of bytes may be read in one go.
   */
  constructor(
    readonly bytesPerSecond: number,
    private readonly burstMs = 20,
  ) {}

  /** Counts `bytes` just read; returns how many ms reading should wait before the next (0: none). */
  take(bytes: number, now: number = performance.now()): number {
    if (this.bytesPerSecond === Number.POSITIVE_INFINITY) return 0;
    this.paidUntil = Math.max(this.paidUntil, now - this.burstMs) + (bytes * 1000) / this.bytesPerSecond;
    return Math.max(0, this.paidUntil - now);
  }
}

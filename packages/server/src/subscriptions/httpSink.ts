import type { ServerResponse } from 'node:http';
import type { BraidResponse } from '../types';
import type { SinkStats, SubscriptionSink } from './sink';
import { corkUntilTickEnd, currentTick } from './tickCork';

/**
 * A subscription written to an HTTP response (node:http, or node:http2's compat response): one `res.write`
 * per update, the same bytes for every subscriber.
 *
 * Slow readers: before each write it looks at `res.writableLength` (bytes Node holds for this response
 * beyond what the OS socket buffer already took). If bytes are already waiting and this write would take
 * them past `maxBufferedBytes` (plus the size of the subscriber's first burst, so a snapshot bigger than the
 * limit can still be delivered), the response is destroyed instead: the client reconnects and resumes with
 * Parents. So per-subscriber memory is bounded, and one stalled reader never delays the others.
 */
export class HttpResponseSink implements SubscriptionSink {
  private isClosed = false;
  private readonly listeners: (() => void)[] = [];
  private allowance: number;
  private lastWriteTick = -1;
  private isCorked = false;

  /** Where update bytes go once the head is out: the socket itself for a close-delimited HTTP/1.1 body. */
  private target: {
    write(bytes: Uint8Array): unknown;
    cork(): void;
    uncork(): void;
    readonly writableLength: number;
  };

  constructor(
    private readonly res: BraidResponse,
    private readonly maxBufferedBytes: number,
    private readonly stats: SinkStats,
    /**
     * The body is close-delimited HTTP/1.1 (no framing): after the head, bytes can go straight to the socket,
     * skipping node:http's per-write bookkeeping (a cork and a next-tick uncork per write, measured ~14% of the
     * fan-out's server CPU).
     */
    direct = false,
  ) {
    this.allowance = maxBufferedBytes;
    this.target = res as unknown as HttpResponseSink['target'];
    if (direct) {
      (res as ServerResponse).flushHeaders();
      const socket = (res as ServerResponse).socket;
      if (socket) this.target = socket;
    }
    res.once('close', () => this.markClosed());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The first burst (snapshot or catch-up): always written, and allowed on top of the limit. */
  writeInitial(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.allowance = this.maxBufferedBytes + bytes.length;
    this.send(bytes);
  }

  write(bytes: Uint8Array): boolean {
    if (this.isClosed) return false;
    const buffered = this.target.writableLength;
    if (buffered > 0 && buffered + bytes.length > this.allowance) {
      this.cutOff();
      return false;
    }
    this.send(bytes);
    return true;
  }

  close(): void {
    if (this.isClosed) return;
    // A reader that still has bytes waiting may never take them: don't let it hold the socket open.
    if (this.target.writableLength > 0) this.res.destroy();
    else this.res.end();
    this.markClosed();
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.listeners.push(listener);
  }

  private send(bytes: Uint8Array): void {
    const tick = currentTick();
    if (tick === this.lastWriteTick && !this.isCorked) {
      this.isCorked = true;
      corkUntilTickEnd(this);
    }
    this.lastWriteTick = tick;
    this.target.write(bytes);
    const buffered = this.target.writableLength;
    if (buffered > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = buffered;
  }

  cork(): void {
    this.target.cork();
  }

  uncork(): void {
    this.isCorked = false;
    this.target.uncork();
  }

  private cutOff(): void {
    this.stats.cutOffs++;
    this.markClosed();
    this.res.destroy();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

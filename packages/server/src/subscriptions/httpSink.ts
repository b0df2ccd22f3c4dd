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

  constructor(
    private readonly res: BraidResponse,
    private readonly maxBufferedBytes: number,
    private readonly stats: SinkStats,
  ) {
    this.allowance = maxBufferedBytes;
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
    const buffered = this.res.writableLength;
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
    if (this.res.writableLength > 0) this.res.destroy();
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
    // (Both response kinds have write(chunk); their overload lists differ, hence the cast.)
    (this.res as ServerResponse).write(bytes);
    const buffered = this.res.writableLength;
    if (buffered > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = buffered;
  }

  cork(): void {
    this.res.cork();
  }

  uncork(): void {
    this.isCorked = false;
    this.res.uncork();
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

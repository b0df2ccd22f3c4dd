import type { ByteStream } from '../http/exchange';
import type { SinkStats, SubscriptionSink } from './sink';
import { corkUntilTickEnd, currentTick } from './tickCork';

/**
 * A subscription written to a streaming response body (a Node response or socket, or a web ReadableStream:
 * see http/exchange.ts): one write per update, the same bytes for every subscriber.
 *
 * Slow readers: before each write it looks at `stream.bufferedBytes` (what the reader has not taken yet). If
 * bytes are already waiting and this write would take them past `maxBufferedBytes` (plus the size of the
 * subscriber's first burst, so a snapshot bigger than the limit can still be delivered), the stream is cut
 * instead: the client reconnects and resumes with Parents. So per-subscriber memory is bounded, and one
 * stalled reader never delays the others — on every runtime alike.
 */
export class StreamSink implements SubscriptionSink {
  private isClosed = false;
  private readonly listeners: (() => void)[] = [];
  private allowance: number;
  private lastWriteTick = -1;
  private isCorked = false;

  constructor(
    private readonly stream: ByteStream,
    private readonly maxBufferedBytes: number,
    private readonly stats: SinkStats,
  ) {
    this.allowance = maxBufferedBytes;
    stream.onClose(() => this.markClosed());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The first burst (snapshot or catch-up): always written, and allowed on top of the limit. */
  writeInitial(bytes: Uint8Array | readonly Uint8Array[]): void {
    if (this.isClosed) return;
    // (Array.isArray, not instanceof Uint8Array: bytes may come from another realm's Uint8Array, jsdom's.)
    const parts = Array.isArray(bytes) ? bytes : [bytes as Uint8Array];
    let length = 0;
    for (const part of parts) length += part.length;
    this.allowance = this.maxBufferedBytes + length;
    // (Sent in one tick: the parts after the first are corked into one socket write.)
    for (const part of parts) this.send(part);
  }

  write(bytes: Uint8Array): boolean {
    if (this.isClosed) return false;
    const buffered = this.stream.bufferedBytes;
    if (buffered > 0 && buffered + bytes.length > this.allowance) {
      this.cutOff();
      return false;
    }
    this.send(bytes);
    return true;
  }

  close(): void {
    if (this.isClosed) return;
    // A reader that still has bytes waiting may never take them: don't let it hold the connection open.
    if (this.stream.bufferedBytes > 0) this.stream.destroy();
    else this.stream.end();
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
    this.stream.write(bytes);
    const buffered = this.stream.bufferedBytes;
    if (buffered > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = buffered;
  }

  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.isCorked = false;
    this.stream.uncork();
  }

  private cutOff(): void {
    this.stats.cutOffs++;
    this.markClosed();
    this.stream.destroy();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

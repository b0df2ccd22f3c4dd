import { forgetOldest, multiplexDataHeader, multiplexStartFrame } from '@braid-live/core/protocol';
import type { ByteStream } from '../http/exchange';
import type { SinkStats } from '../subscriptions/sink';
import { corkUntilTickEnd, currentTick } from '../subscriptions/tickCork';
import { MultiplexedSink } from './MultiplexedSink';

/**
 * One multiplexer (braid-http Multiplexing v1.0): the long-lived response of
 * `POST /.well-known/multiplexer/<id>`, carrying the responses of many subscriptions as frames.
 *
 * Slow readers: the stream as a whole has the byte budget of its subscriptions; past it the whole stream is
 * cut (its client reopens one and resumes every subscription with Parents), never buffered without bound.
 *
 * Idle streams: one that carries no response for `closeWhenIdleFor` ms is ended (a client that opened one and
 * never used it, or stopped using it, does not hold a connection and a slot forever).
 */
/** Early cancellations remembered per stream (a bound: the oldest is forgotten first). */
const MAX_EARLY_CANCELS = 256;

export class ServerMultiplexer {
  private readonly responses = new Map<string, MultiplexedSink>();
  /**
   * Ids the client DELETEd before their request reached us (it gave up while the request was in flight, e.g.
   * a head timeout under load). The request may still arrive: it must not start a response nobody reads.
   */
  private readonly cancelledBeforeStart = new Set<string>();
  /** Ids that started here (bounded): a DELETE of one that ended is late, not early. */
  private readonly started = new Set<string>();
  private isClosed = false;
  private lastWriteTick = -1;
  private allowance: number;
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    private readonly stream: ByteStream,
    private readonly maxBufferedBytes: number,
    private readonly stats: SinkStats,
    private readonly onGone: () => void,
  ) {
    this.allowance = maxBufferedBytes;
    stream.onClose(() => this.closeAll());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get size(): number {
    return this.responses.size;
  }

  has(requestId: string): boolean {
    return this.responses.has(requestId);
  }

  /** Ends the stream once it has carried no response for `ms` (0: never). Counts from now if it carries none. */
  closeWhenIdleFor(ms: number): void {
    this.idleMs = ms;
    this.armIdleTimer();
  }

  /** Starts a response on the stream (`start response <id>`). */
  open(requestId: string): MultiplexedSink {
    this.clearIdleTimer();
    const sink = new MultiplexedSink(requestId, this);
    this.responses.set(requestId, sink);
    this.started.add(requestId);
    forgetOldest(this.started, MAX_EARLY_CANCELS * 4);
    this.writeRaw(multiplexStartFrame(requestId));
    return sink;
  }

  /**
   * Ends one response at the client's request (DELETE). Returns whether it existed. No `close response` frame:
   * the client already forgot it (the reference client answers a frame for an unknown id with another DELETE).
   */
  cancel(requestId: string): boolean {
    const sink = this.responses.get(requestId);
    if (!sink) {
      if (this.started.has(requestId)) return false; // it ended already: a late DELETE
      this.cancelledBeforeStart.add(requestId);
      forgetOldest(this.cancelledBeforeStart, MAX_EARLY_CANCELS);
      return false;
    }
    sink.markClosed();
    return true;
  }

  /** Whether the client cancelled `requestId` before it started (then it must not start). Forgets it. */
  takeEarlyCancel(requestId: string): boolean {
    return this.cancelledBeforeStart.delete(requestId);
  }

  /** Writes `<n> bytes for response <id>` and the bytes. `initial` bursts get their size added to the budget. */
  writeFrame(requestId: string, bytes: Uint8Array, initial: boolean): boolean {
    if (this.isClosed) return false;
    const buffered = this.stream.bufferedBytes;
    if (initial) this.allowance = Math.max(this.allowance, this.maxBufferedBytes + bytes.length);
    else if (buffered > 0 && buffered + bytes.length > this.allowance) {
      this.stats.cutOffs++;
      this.stream.destroy(); // 'close' ends every subscription on it
      return false;
    }
    this.corkForTick();
    this.stream.write(multiplexDataHeader(requestId, bytes.length));
    this.stream.write(bytes);
    const after = this.stream.bufferedBytes;
    if (after > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = after;
    return true;
  }

  writeRaw(frame: string): void {
    if (this.isClosed) return;
    this.corkForTick();
    this.stream.write(frame);
  }

  forget(requestId: string): void {
    this.responses.delete(requestId);
    this.armIdleTimer();
  }

  /** Ends the stream and every response on it. */
  close(): void {
    if (this.isClosed) return;
    this.stream.end();
    this.closeAll();
  }

  private closeAll(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.clearIdleTimer();
    for (const sink of [...this.responses.values()]) sink.markClosed();
    this.responses.clear();
    this.onGone();
  }

  private armIdleTimer(): void {
    if (this.isClosed || this.idleMs <= 0 || this.responses.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.responses.size === 0) this.close();
    }, this.idleMs);
    this.idleTimer.unref?.();
  }

  private clearIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** A frame header and its bytes are two writes: cork them (and whatever else is due this tick) into one. */
  private corkForTick(): void {
    const tick = currentTick();
    if (tick === this.lastWriteTick) return;
    this.lastWriteTick = tick;
    corkUntilTickEnd(this.stream);
  }
}

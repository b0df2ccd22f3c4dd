import { multiplexCloseFrame } from '@braid-live/core/protocol';
import type { SubscriptionSink } from '../subscriptions/sink';
import type { ServerMultiplexer } from './ServerMultiplexer';

/**
 * One subscription carried inside a multiplexer stream: each write becomes `<n> bytes for response <id>` and
 * the bytes (the same bytes every subscriber gets; only the small frame header is per subscriber).
 */
export class MultiplexedSink implements SubscriptionSink {
  private isClosed = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    readonly id: string,
    private readonly mux: ServerMultiplexer,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** The response head of the multiplexed request (a whole HTTP/1.1 head, as the reference sends it). */
  writeHead(status: number, reason: string, headers: Record<string, string>): void {
    let head = `HTTP/1.1 ${status} ${reason}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    this.mux.writeFrame(this.id, Buffer.from(`${head}\r\n`, 'latin1'), true);
  }

  writeInitial(bytes: Uint8Array | readonly Uint8Array[]): void {
    if (this.isClosed) return;
    // (Array.isArray, not instanceof Uint8Array: bytes may come from another realm's Uint8Array, jsdom's.)
    if (!Array.isArray(bytes)) {
      this.mux.writeFrame(this.id, bytes as Uint8Array, true);
      return;
    }
    // Small parts joined into frames of up to FRAME_JOIN_BYTES (a catch-up of many small versions is not a
    // frame each); a big part is a frame of its own, not copied.
    let run: Uint8Array[] = [];
    let runBytes = 0;
    const flush = () => {
      if (run.length > 0) this.mux.writeFrame(this.id, run.length === 1 ? run[0] : Buffer.concat(run), true);
      run = [];
      runBytes = 0;
    };
    for (const part of bytes as readonly Uint8Array[]) {
      if (runBytes + part.length > FRAME_JOIN_BYTES) flush();
      run.push(part);
      runBytes += part.length;
    }
    flush();
  }

  write(bytes: Uint8Array): boolean {
    if (this.isClosed) return false;
    return this.mux.writeFrame(this.id, bytes, false);
  }

  /** Ends this response: a `close response` frame, the stream stays for the others. */
  close(): void {
    if (this.isClosed) return;
    this.mux.writeRaw(multiplexCloseFrame(this.id));
    this.markClosed();
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.listeners.push(listener);
  }

  /** The multiplexer stream went away (or cut this one off): no frame to write. */
  markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.mux.forget(this.id);
    for (const listener of this.listeners.splice(0)) listener();
  }
}

const FRAME_JOIN_BYTES = 64 * 1024;

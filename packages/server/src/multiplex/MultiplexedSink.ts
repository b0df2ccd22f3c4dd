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

  writeInitial(bytes: Uint8Array): void {
    if (!this.isClosed) this.mux.writeFrame(this.id, bytes, true);
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

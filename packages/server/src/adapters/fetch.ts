import { dispatch } from '../http/dispatch';
import type {
  BodyLimits,
  ByteStream,
  IncomingRequest,
  Responder,
  SendOptions,
  ShutdownRegistry,
  StreamOptions,
} from '../http/exchange';
import type { ServerContext } from '../serverContext';
import { readWebBody } from './readWebBody';

/**
 * `braid.fetch(request)`: the protocol on web-standard Request/Response (Next.js route handlers, Hono,
 * Bun.serve, Deno.serve), through the same core as the Node handler (http/dispatch.ts). Imports nothing from
 * node:* (test/fetchModuleGraph.test.ts checks).
 */
export function createFetchHandler(ctx: ServerContext): (request: Request) => Promise<Response> {
  return (request) => {
    const responder = new FetchResponder();
    dispatch(ctx, new FetchIncomingRequest(request), responder, false);
    return responder.response;
  };
}

class FetchIncomingRequest implements IncomingRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The runtime frames the body (chunked, h2 frames): never close-delimited by us. */
  readonly http1 = false;

  constructor(readonly native: Request) {
    this.method = native.method;
    this.url = native.url;
    const headers: Record<string, string> = {};
    native.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.headers = headers;
  }

  readBody(limits: BodyLimits, onShutdown: ShutdownRegistry): Promise<Uint8Array> {
    return readWebBody(this.native, limits, onShutdown);
  }

  discardUnreadBody(): void {
    // The runtime owns the connection: it drains or drops an unread body after the response.
  }
}

class FetchResponder implements Responder {
  readonly response: Promise<Response>;
  private resolve!: (response: Response) => void;
  private readonly pending = new Headers();
  private answered = false;
  private stream: WebByteStream | undefined;

  constructor() {
    this.response = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  get headersSent(): boolean {
    return this.answered;
  }

  setHeader(name: string, value: string): void {
    this.pending.set(name, value);
  }

  private reason: string | undefined;

  setReason(reason: string): void {
    this.reason = reason;
  }

  getHeader(name: string): string | undefined {
    return this.pending.get(name) ?? undefined;
  }

  send(status: number, headers: Record<string, string>, body?: Uint8Array, options: SendOptions = {}): void {
    const all = this.headersWith(headers);
    all.set('Content-Length', String(body?.length ?? 0));
    const withBody = options.withBody !== false && body !== undefined && body.length > 0 && status !== 204;
    this.answer(
      new Response(withBody ? (body as Uint8Array<ArrayBuffer>) : null, {
        status,
        statusText: options.reason ?? this.reason,
        headers: all,
      }),
    );
  }

  openStream(status: number, headers: Record<string, string>, options: StreamOptions = {}): ByteStream {
    const stream = new WebByteStream();
    this.stream = stream;
    this.answer(
      new Response(stream.readable, {
        status,
        statusText: options.reason ?? this.reason,
        headers: this.headersWith(headers),
      }),
    );
    return stream;
  }

  destroy(): void {
    if (this.stream) this.stream.destroy();
    else this.answer(Response.error());
  }

  private headersWith(headers: Record<string, string>): Headers {
    const all = new Headers(this.pending);
    for (const name in headers) all.set(name, headers[name]);
    return all;
  }

  private answer(response: Response): void {
    if (this.answered) return;
    this.answered = true;
    this.resolve(response);
  }
}

const encoder = new TextEncoder();
const CRLF = encoder.encode('\r\n');

/**
 * A streaming body as a ReadableStream. Its queue counts bytes with a high-water mark of 0, so `desiredSize`
 * is minus the bytes the reader has not taken: `bufferedBytes`, from which the slow-reader cut-off is decided
 * exactly as on Node. A cut errors the stream (the runtime aborts the response); the reader cancelling it (the
 * client went away) closes it, which ends the subscription and its heartbeats.
 */
class WebByteStream implements ByteStream {
  readonly readable: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private isClosed = false;
  private wroteAny = false;
  private corked = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private readonly listeners: (() => void)[] = [];

  constructor() {
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.markClosed(),
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
  }

  write(bytes: Uint8Array | string): void {
    if (this.isClosed) return;
    const chunk = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
    this.wroteAny = true;
    if (this.corked) {
      this.held.push(chunk);
      this.heldBytes += chunk.byteLength;
    } else this.controller.enqueue(chunk);
  }

  get bufferedBytes(): number {
    if (this.isClosed) return 0;
    const desired = this.controller.desiredSize ?? 0;
    return Math.max(0, -desired) + this.heldBytes;
  }

  cork(): void {
    this.corked = true;
  }

  /** What was written while corked leaves as one chunk. */
  uncork(): void {
    this.corked = false;
    if (this.held.length === 0 || this.isClosed) return;
    const chunk = this.held.length === 1 ? this.held[0] : joined(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    this.controller.enqueue(chunk);
  }

  /**
   * Runtimes send a Response's head with its first body bytes: a blank line (which every Braid parser skips,
   * as it does heartbeats) tells the client now that it is subscribed.
   */
  flush(): void {
    if (!this.wroteAny) this.write(CRLF);
  }

  end(): void {
    if (this.isClosed) return;
    this.uncork();
    this.markClosed();
    this.controller.close();
  }

  destroy(): void {
    if (this.isClosed) return;
    this.held = [];
    this.heldBytes = 0;
    this.markClosed();
    this.controller.error(new Error('braid-live: stream cut off'));
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.listeners.push(listener);
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

function joined(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

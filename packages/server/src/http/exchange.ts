import type { BodyBytesInFlight } from '../bodyBytesInFlight';
import type { DiscardRate } from '../discardRate';
import type { HttpError } from '../errors';
import type { NativeRequest } from '../types';

/**
 * What the protocol core (http/) sees of one request, whatever the runtime: a small description and a body
 * reader with a byte budget. Two thin adapters make one: adapters/node (node:http, node:http2, Express,
 * Fastify) and adapters/fetch (web-standard Request: Next.js, Hono, Bun, Deno). The core never touches a
 * runtime's request object itself, it only hands `native` to the user's hooks.
 */
export interface IncomingRequest {
  readonly method: string;
  /** The target as sent: origin-form (`/path?query`) or absolute-form (`http://host/path`). */
  readonly url: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** HTTP/1.x: a streaming body may be close-delimited (see subscribe.ts). */
  readonly http1: boolean;
  /** The runtime's own request, for `authorize` and `validate`. */
  readonly native: NativeRequest;
  /**
   * The client connection, where the adapter knows it (Node: the socket, or the HTTP/2 session), for
   * per-connection limits; undefined on fetch, where the runtime owns connections.
   */
  readonly connection?: object;
  /**
   * The whole body, within `limits`: 413 past maxBytes (from Content-Length before reading, else while
   * reading), 408 past timeoutMs, and 500 when someone else read the body first or fewer bytes arrived than
   * Content-Length said (a body braid-live did not read itself is never trusted).
   */
  readBody(limits: BodyLimits, onShutdown: ShutdownRegistry): Promise<Uint8Array>;
  /** A body nobody read (a refused write): the adapter lets the client finish sending it, within bounds. */
  discardUnreadBody(limits: DiscardLimits, onShutdown: ShutdownRegistry): void;
}

export interface DiscardLimits {
  /** Longest the rest of a refused body is waited for (the adapter may bound it further). */
  timeoutMs: number;
  /** The server-wide pace of reading refused bodies. */
  rate: DiscardRate;
}

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  /** The server-wide total of bodies being received (503 + Retry-After past it). */
  inFlight?: BodyBytesInFlight;
}

/** Lets the server abort body reads in progress when it closes. Returns the function that unregisters. */
export type ShutdownRegistry = (abort: (error: HttpError) => void) => () => void;

export interface SendOptions {
  /** False for HEAD: the headers (Content-Length included) as for GET, no body. */
  withBody?: boolean;
  /** Close the connection after this response (a stalled body: 408). */
  closeConnection?: boolean;
  /** The reason phrase, where the protocol has one (HTTP/1.x). */
  reason?: string;
}

export interface StreamOptions {
  /** An HTTP/1.1 body without framing, ended by closing the connection (see subscribe.ts). */
  closeDelimited?: boolean;
  /** The reason phrase, where the protocol has one (HTTP/1.x). */
  reason?: string;
}

/** How the core answers: once with bytes, or with a stream that stays open (subscriptions, multiplexers). */
export interface Responder {
  /** The status line has gone out: an error now can only cut the stream. */
  readonly headersSent: boolean;
  /** Headers for whatever answer comes (CORS, Vary): merged under the answer's own. */
  setHeader(name: string, value: string): void;
  getHeader(name: string): string | undefined;
  /** The reason phrase of whatever answer comes (HTTP/1.x only; fetch: statusText). */
  setReason(reason: string): void;
  send(status: number, headers: Record<string, string>, body?: Uint8Array, options?: SendOptions): void;
  /** Sends the head; the body is written through the returned stream. */
  openStream(status: number, headers: Record<string, string>, options?: StreamOptions): ByteStream;
  /** Abandons the response (and, where there is one, its connection). */
  destroy(): void;
}

/**
 * The body of a streaming response. `bufferedBytes` is what the reader has not taken yet (Node: bytes held
 * beyond the OS socket buffer; fetch: the ReadableStream's queue, from `desiredSize`): the slow-reader cut-off
 * is decided from it, the same way on every runtime.
 */
export interface ByteStream {
  write(bytes: Uint8Array | string): void;
  readonly bufferedBytes: number;
  /** Writes between cork and uncork leave together (several updates due in one tick). */
  cork(): void;
  uncork(): void;
  /** Sends the head now, even with no body bytes yet (the client learns it is subscribed). */
  flush(): void;
  end(): void;
  destroy(): void;
  /** Called once when the stream ends for any reason (ended, cut, the reader went away). */
  onClose(listener: () => void): void;
}

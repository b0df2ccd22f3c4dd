import type { ServerResponse } from 'node:http';
import { isMultiplexId, MULTIPLEX_VERSION, MULTIPLEXER_PATH } from '@braid-live/core/protocol';
import { HttpError } from '../errors';
import { header, isHttp1 } from '../http/headers';
import { send } from '../http/respond';
import type { ServerContext } from '../serverContext';
import type { BraidRequest, BraidResponse } from '../types';
import { ServerMultiplexer } from './ServerMultiplexer';

/** Whether a request path is the multiplexer's (handled before resource routing). */
export const isMultiplexerPath = (path: string) => path.startsWith(MULTIPLEXER_PATH);

/**
 * The multiplexers of one server, by id, and how many each client connection holds (bounded by
 * `maxMultiplexersPerConnection`: one HTTP/2 connection can open any number of POST streams).
 */
export class MultiplexerRegistry {
  private readonly all = new Map<string, ServerMultiplexer>();
  private readonly perConnection = new WeakMap<object, number>();

  /** Multiplexers open on `connection`. */
  countOn(connection: object): number {
    return this.perConnection.get(connection) ?? 0;
  }

  /** Counts `mux` against `connection` until it closes. */
  holdOn(connection: object): () => void {
    this.perConnection.set(connection, this.countOn(connection) + 1);
    return () => this.perConnection.set(connection, this.countOn(connection) - 1);
  }

  get(id: string): ServerMultiplexer | undefined {
    return this.all.get(id);
  }

  get size(): number {
    return this.all.size;
  }

  /** Responses (subscriptions) carried by all the streams together. */
  get responses(): number {
    let n = 0;
    for (const mux of this.all.values()) n += mux.size;
    return n;
  }

  add(mux: ServerMultiplexer): void {
    this.all.set(mux.id, mux);
  }

  delete(id: string): void {
    this.all.delete(id);
  }

  closeAll(): void {
    for (const mux of [...this.all.values()]) mux.close();
    this.all.clear();
  }
}

/**
 * `POST /.well-known/multiplexer/<id>` opens a multiplexer stream; `DELETE …/<id>/<request>` ends one response
 * on it; `DELETE …/<id>` ends the stream. Everything needs `Multiplex-Version: 1.0` (400 otherwise).
 */
export function handleMultiplexerRequest(
  ctx: ServerContext,
  path: string,
  req: BraidRequest,
  res: BraidResponse,
): void {
  res.setHeader('Multiplex-Version', MULTIPLEX_VERSION);
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') {
    send(res, 204, { Allow: 'POST, DELETE, OPTIONS' });
    return;
  }
  if (header(req, 'multiplex-version') !== MULTIPLEX_VERSION) {
    throw new HttpError(400, `unsupported Multiplex-Version (this server speaks ${MULTIPLEX_VERSION})`);
  }
  const [muxId, requestId, extra] = path.slice(MULTIPLEXER_PATH.length).split('/');
  if (
    !muxId ||
    !isMultiplexId(muxId) ||
    extra !== undefined ||
    (requestId !== undefined && !isMultiplexId(requestId))
  ) {
    throw new HttpError(400, 'multiplexer ids are 1-128 characters of A-Z a-z 0-9 - _');
  }
  if (method === 'POST' && requestId === undefined) {
    openMultiplexer(ctx, muxId, req, res);
    return;
  }
  if (method === 'DELETE') {
    const mux = ctx.multiplexers.get(muxId);
    if (!mux) throw new HttpError(404, `multiplexer ${muxId} does not exist`, { 'Bad-Multiplexer': muxId });
    if (requestId === undefined) mux.close();
    else if (!mux.cancel(requestId)) {
      throw new HttpError(404, `request ${requestId} does not exist`, { 'Bad-Request': requestId });
    }
    send(res, 200, {});
    return;
  }
  throw new HttpError(405, `method ${method} not allowed here (POST to open, DELETE to close)`, {
    Allow: 'POST, DELETE, OPTIONS',
  });
}

function openMultiplexer(ctx: ServerContext, muxId: string, req: BraidRequest, res: BraidResponse): void {
  if (ctx.multiplexers.get(muxId)) {
    sendJsonError(
      res,
      409,
      'Multiplexer already exists',
      `Cannot create duplicate multiplexer with ID '${muxId}'`,
    );
    return;
  }
  const { maxMultiplexers, maxMultiplexersPerConnection, multiplexerIdleMs } = ctx.limits;
  if (ctx.multiplexers.size >= maxMultiplexers)
    throw new HttpError(503, `too many multiplexers (limit ${maxMultiplexers}); retry later`, {
      'Retry-After': '10',
    });
  const connection = clientConnection(req);
  if (ctx.multiplexers.countOn(connection) >= maxMultiplexersPerConnection) {
    throw new HttpError(
      429,
      `this connection has ${maxMultiplexersPerConnection} multiplexers open already (the limit); close one first`,
    );
  }
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader('Incremental', '?1');
  res.setHeader('Content-Type', 'application/http-multiplex');
  if (isHttp1(req) && ctx.subscriptionFraming === 'close') {
    // Like subscriptions: a close-delimited body, so frames go out without chunk framing.
    res.setHeader('Connection', 'close');
    (res as ServerResponse).useChunkedEncodingByDefault = false;
  }
  res.writeHead(200);
  const releaseConnection = ctx.multiplexers.holdOn(connection);
  const mux = new ServerMultiplexer(
    muxId,
    res,
    ctx.limits.maxBufferedBytesPerSubscriber,
    ctx.sinkStats,
    () => {
      releaseConnection();
      ctx.multiplexers.delete(muxId);
    },
  );
  mux.closeWhenIdleFor(multiplexerIdleMs);
  ctx.multiplexers.add(mux);
  // A blank line (skipped by every reader) flushes the head, so the client knows the stream is open.
  (res as ServerResponse).write('\r\n');
}

/** Refusals the reference client reads as JSON (`{error}`) to decide whether to retry with another id. */
export function sendJsonError(res: BraidResponse, status: number, error: string, details: string): void {
  send(
    res,
    status,
    { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    JSON.stringify({ error, details }),
  );
}

/**
 * The multiplexer and response id named by a request's `Multiplex-Through`
 * (`/.well-known/multiplexer/<mux>/<request>`), or undefined when it has none (or another version).
 */
export function multiplexTarget(
  req: BraidRequest,
): { muxId: string; requestId: string; through: string } | undefined {
  const through = header(req, 'multiplex-through');
  if (through === undefined || header(req, 'multiplex-version') !== MULTIPLEX_VERSION) return undefined;
  const [muxId, requestId, extra] = through.startsWith(MULTIPLEXER_PATH)
    ? through.slice(MULTIPLEXER_PATH.length).split('/')
    : [];
  if (!muxId || !requestId || extra !== undefined || !isMultiplexId(muxId) || !isMultiplexId(requestId)) {
    throw new HttpError(400, 'bad Multiplex-Through (expected /.well-known/multiplexer/<id>/<request>)');
  }
  return { muxId, requestId, through };
}

/** The client connection a request came on: the socket (HTTP/1.1), or the session (HTTP/2). */
function clientConnection(req: BraidRequest): object {
  const stream = (req as { stream?: { session?: object } }).stream;
  return stream?.session ?? req.socket;
}

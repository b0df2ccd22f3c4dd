import { BODIES_RETRY_AFTER_SECONDS, type BodyBytesInFlight } from '../bodyBytesInFlight';
import { HttpError } from '../errors';
import type { BraidRequest } from '../types';
import { header } from './headers';

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  /** The server-wide total of bodies being received (503 + Retry-After past it). */
  inFlight?: BodyBytesInFlight;
}

/** Lets the server abort body reads in progress when it closes. Returns the function that unregisters. */
export type ShutdownRegistry = (abort: (error: HttpError) => void) => () => void;

/**
 * Reads a request body into one buffer, within limits: a declared Content-Length over the limit is refused
 * before reading a byte (413); a chunked body is counted as it arrives and refused as soon as it passes the
 * limit (413); a body that does not complete within `timeoutMs` is refused (408). Event-driven: a slow body
 * only costs its own timer, never blocks another request.
 */
export function readBody(
  req: BraidRequest,
  limits: BodyLimits,
  onShutdown: ShutdownRegistry,
): Promise<Buffer> {
  const consumed = consumedBy(req);
  if (consumed) return Promise.reject(bodyAlreadyRead(consumed));

  const declaredHeader = header(req, 'content-length');
  const declared = declaredHeader === undefined ? undefined : Number(declaredHeader);
  if (declared !== undefined && declared > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes, `${declaredHeader} bytes`));
  }
  const inFlight = limits.inFlight;
  let reserved = 0;
  if (inFlight && declared !== undefined && declared > 0) {
    if (!inFlight.tryReserve(declared)) return Promise.reject(serverBusy(inFlight));
    reserved = declared;
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (error: HttpError | undefined) => {
      if (settled) return;
      settled = true;
      inFlight?.release(reserved);
      reserved = 0;
      clearTimeout(timer);
      unregister();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
      if (error) reject(error);
      // Fewer bytes than declared, and yet the stream ended: someone else took the rest.
      else if (declared !== undefined && received !== declared)
        reject(bodyAlreadyRead(`${received} of the ${declared} bytes of Content-Length arrived`));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) return finish(tooLarge(limits.maxBytes, 'more'));
      if (inFlight && received > reserved) {
        if (!inFlight.tryReserve(received - reserved)) return finish(serverBusy(inFlight));
        reserved = received;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onGone = () => finish(new HttpError(400, 'request body ended early (connection closed)'));
    const onClose = () => {
      if (!req.readableEnded) onGone();
    };

    const timer = setTimeout(
      () => finish(new HttpError(408, `request body not received within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    const unregister = onShutdown((error) => finish(error));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onClose);
  });
}

function serverBusy(inFlight: BodyBytesInFlight): HttpError {
  return new HttpError(
    503,
    `the server is receiving as many request bytes as it may at once (maxBodyBytesInFlight ${inFlight.limit}); retry later`,
    { 'Retry-After': String(BODIES_RETRY_AFTER_SECONDS) },
  );
}

function tooLarge(max: number, got: string): HttpError {
  return new HttpError(413, `request body too large (${got}; the limit is ${max} bytes)`);
}

/**
 * Whether something else already read this request's body (a body parser mounted before braid-live:
 * express.json(), express.urlencoded(), a framework's own parsing), and how we can tell. Its result on
 * `req.body` is never used: a parser may have changed the bytes (urlencoded turns `5` into `{"5":""}`), so
 * only a body braid-live read itself is trusted.
 */
function consumedBy(req: BraidRequest): string | undefined {
  const marked = req as { body?: unknown; _body?: unknown };
  if (marked.body !== undefined || marked._body === true) return 'a body parser left req.body';
  if (req.readableEnded) return 'the request stream had already ended';
  return undefined;
}

/** 500: the server is mounted wrong, the client did nothing wrong; nothing was changed. */
function bodyAlreadyRead(how: string): HttpError {
  return new HttpError(
    500,
    `the request body was read before braid-live could read it (${how}), so the write was not applied. ` +
      'Mount braid.middleware before any body parser (app.use(braid.middleware) first), ' +
      'register braidPlugin with Fastify, or use braid.fetch with a Request whose body is unread',
  );
}

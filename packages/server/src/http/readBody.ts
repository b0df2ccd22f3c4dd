import { HttpError } from '../errors';
import type { BraidRequest } from '../types';
import { header } from './headers';

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
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
  const preRead = alreadyReadBody(req);
  if (preRead) return Promise.resolve(preRead);

  const declared = header(req, 'content-length');
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes, `${declared} bytes`));
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (error: HttpError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unregister();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) finish(tooLarge(limits.maxBytes, 'more'));
      else chunks.push(chunk);
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

function tooLarge(max: number, got: string): HttpError {
  return new HttpError(413, `request body too large (${got}; the limit is ${max} bytes)`);
}

/**
 * A body that a body parser mounted before the middleware (express.json(), express.raw()...) already read:
 * the stream is over, and the parser left the body on `req.body`. Raw bytes and text are used as they are; a
 * parsed JSON value is written back as JSON.
 */
function alreadyReadBody(req: BraidRequest): Buffer | undefined {
  if (!req.readableEnded) return undefined;
  const body = (req as { body?: unknown }).body;
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

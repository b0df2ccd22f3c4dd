import { HttpError } from '../errors';

/** The refusals of a body read, the same from every adapter. */
export function bodyTooLarge(max: number, got: string): HttpError {
  return new HttpError(413, `request body too large (${got}; the limit is ${max} bytes)`);
}

export function bodyTimedOut(timeoutMs: number): HttpError {
  return new HttpError(408, `request body not received within ${timeoutMs} ms`);
}

export function bodyEndedEarly(): HttpError {
  return new HttpError(400, 'request body ended early (connection closed)');
}

/**
 * 500: the server is mounted wrong (a body parser or a framework read the body first), the client did
 * nothing wrong; nothing was changed. Says how to mount.
 */
export function bodyAlreadyRead(how: string): HttpError {
  return new HttpError(
    500,
    `the request body was read before braid-live could read it (${how}), so the write was not applied. ` +
      'Mount braid.middleware before any body parser (app.use(braid.middleware) first), ' +
      'register braidPlugin with Fastify, or use braid.fetch with a Request whose body is unread',
  );
}

/** Fewer bytes than Content-Length said, and yet the body ended: someone else took the rest. */
export function bodyShort(received: number, declared: number): HttpError {
  return bodyAlreadyRead(`${received} of the ${declared} bytes of Content-Length arrived`);
}

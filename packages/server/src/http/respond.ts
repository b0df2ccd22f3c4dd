import { reasonOf, toHttpError } from '../errors';
import type { Responder, SendOptions } from './exchange';

const encoder = new TextEncoder();

/** Ends a response with a status, headers and an optional body, in one write. */
export function send(
  res: Responder,
  status: number,
  headers: Record<string, string>,
  body?: string | Uint8Array,
  options?: SendOptions,
): void {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  res.send(status, headers, bytes, options);
}

/**
 * Answers an error: an HttpError or a ResourceError with its status, headers and one-line reason
 * (text/plain); anything else is a bug, answered 500 without details. When the response has already started
 * (a subscription), the only honest thing left is to cut the connection.
 */
export function sendError(res: Responder, error: unknown, options?: SendOptions): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = toHttpError(error);
  const status = known ? known.status : 500;
  const reason = known ? reasonOf(known) : 'internal server error';
  send(
    res,
    status,
    {
      ...known?.headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    },
    `${reason}\n`,
    options,
  );
}

/** Appends to the Vary header (CORS may have set it already). */
export function addVary(res: Responder, value: string): void {
  const current = res.getHeader('Vary');
  res.setHeader('Vary', current ? `${current}, ${value}` : value);
}

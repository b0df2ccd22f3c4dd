import { reasonOf, toHttpError } from '../errors';
import type { BraidResponse } from '../types';

/** Ends a response with a status, headers and an optional body, in one write. */
export function send(
  res: BraidResponse,
  status: number,
  headers: Record<string, string>,
  body?: string | Uint8Array,
  withBody = true,
): void {
  for (const name in headers) res.setHeader(name, headers[name]);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.setHeader('Content-Length', String(bytes?.length ?? 0));
  res.writeHead(status);
  if (bytes && withBody) res.end(bytes);
  else res.end();
}

/**
 * Answers an error: an HttpError or a ResourceError with its status, headers and one-line reason (text/plain); anything else is
 * a bug, answered 500 without details. When the response has already started (a subscription), the only
 * honest thing left is to cut the connection.
 */
export function sendError(res: BraidResponse, error: unknown, withBody = true): void {
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
    withBody,
  );
}

/** Appends to the Vary header (CORS may have set it already). */
export function addVary(res: BraidResponse, value: string): void {
  const current = res.getHeader('Vary');
  res.setHeader('Vary', current ? `${current}, ${value}` : value);
}

import type { BraidRequest, BraidResponse } from '../types';

/** A request header as one string (repeated headers joined with ", "), or undefined when absent. */
export function header(req: BraidRequest, name: string): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** HTTP/1.x (not node:http2's compat API, where connection-level headers are forbidden). */
export function isHttp1(req: BraidRequest): boolean {
  return req.httpVersionMajor === 1 || req.httpVersionMajor === 0;
}

/**
 * Asks Node to close the connection after this response (HTTP/1 only). Used for a stalled body (408): the rest
 * of it is not coming, and waiting for it is what the timeout refused.
 */
export function closeConnectionAfter(req: BraidRequest, res: BraidResponse): void {
  if (isHttp1(req) && !res.headersSent) res.setHeader('Connection', 'close');
}

/** Headers every Braid response carries (static: built once). */
export const BRAID_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Range-Request-Allow-Methods': 'PATCH, PUT',
  'Range-Request-Allow-Units': 'json',
});

export const ALLOWED_METHODS = 'GET, HEAD, PUT, PATCH, OPTIONS';

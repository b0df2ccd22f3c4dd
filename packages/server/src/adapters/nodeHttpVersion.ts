import type { BraidRequest } from '../types';

/** HTTP/1.x (not node:http2's compat API, where connection-level headers are forbidden). */
export function isHttp1(req: BraidRequest): boolean {
  return req.httpVersionMajor === 1 || req.httpVersionMajor === 0;
}

// The reference implementation (npm braid-http, a devDependency for interop tests only), typed for the little
// the tests use. It is CommonJS without types.

import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface BraidReq extends http.IncomingMessage {
  subscribe?: unknown;
  version?: string[];
  parents?: string[];
  parseUpdate(): Promise<{
    body?: Uint8Array;
    patches?: { unit: string; range: string; content: Uint8Array }[];
  }>;
}
export interface BraidRes extends http.ServerResponse {
  startSubscription(args: { onClose?: () => void }): void;
  sendUpdate(update: Record<string, unknown>): void;
}
export type BraidHandler = (req: BraidReq, res: BraidRes) => void | Promise<void>;

const require = createRequire(import.meta.url);
const braidHttp = require('braid-http');

/** braidify: wraps a (req, res) handler with Braid-HTTP parsing (also serves its multiplexer unless disabled). */
export const braidify = braidHttp.http_server as ((handler: BraidHandler) => http.RequestListener) & {
  enable_multiplex?: boolean;
};
/** braid-http's client fetch (`subscribe`, `parents`, `patches`, `multiplex` options). */
export const braidFetch = braidHttp.fetch as (url: string, params: Record<string, unknown>) => Promise<any>;
/** The installed braid-http version. */
export const braidHttpVersion: string = JSON.parse(
  readFileSync(join(dirname(require.resolve('braid-http')), 'package.json'), 'utf8'),
).version;

import type { IncomingRequest, Responder } from './exchange';
import { header } from './headers';

/**
 * CORS for browser clients on other origins. Off by default: a Braid resource is writable, and with `*` any web
 * page a user visits could read and write resources that the user's network can reach (an intranet dashboard on
 * localhost, say). Turn it on with the origins you trust.
 *
 * - `'*'` or `true`: any origin, no credentials (cookies are never sent cross-origin with `*`);
 * - a string or list of origins (`'https://app.example'`): those origins, reflected;
 * - a function (origin) => boolean;
 * - or an object with `origin` as above plus `credentials` (Access-Control-Allow-Credentials: true; the origin
 *   is then always reflected, never `*`), `maxAgeSeconds` of the preflight cache, and extra `allowHeaders`.
 */
export type CorsOrigin = '*' | string | readonly string[] | ((origin: string) => boolean);
export interface CorsSpec {
  origin: CorsOrigin;
  credentials?: boolean;
  maxAgeSeconds?: number;
  allowHeaders?: readonly string[];
}
export type CorsOption = boolean | CorsOrigin | CorsSpec;

/** The request headers a Braid client sends (plus the ones fetch adds that are not CORS-safelisted). */
const BRAID_REQUEST_HEADERS = [
  'Subscribe',
  'Version',
  'Parents',
  'Peer',
  'Heartbeats',
  'Patches',
  'Content-Range',
  'Merge-Type',
  'Content-Type',
  'Multiplex-Through',
  'Multiplex-Version',
  'Cache-Control',
  'Pragma',
  'Authorization',
];
const EXPOSED_HEADERS = 'Version, Parents, Current-Version, Subscribe, Heartbeats';

export interface ResolvedCors {
  allowOrigin(origin: string): boolean;
  /** Answer `*` rather than reflecting the origin. */
  wildcard: boolean;
  credentials: boolean;
  preflightHeaders: Record<string, string>;
}

export function resolveCors(option: CorsOption | undefined): ResolvedCors | undefined {
  if (option === undefined || option === false) return undefined;
  const spec: CorsSpec =
    typeof option === 'object' && !Array.isArray(option)
      ? (option as CorsSpec)
      : { origin: option === true ? '*' : (option as CorsOrigin) };
  const origin = spec.origin;
  const credentials = spec.credentials === true;
  const allowHeaders = [...BRAID_REQUEST_HEADERS, ...(spec.allowHeaders ?? [])];
  const maxAge = spec.maxAgeSeconds ?? 600;
  let allowOrigin: (o: string) => boolean;
  if (origin === '*') allowOrigin = () => true;
  else if (typeof origin === 'string') allowOrigin = (o) => o === origin;
  else if (typeof origin === 'function') allowOrigin = origin as (o: string) => boolean;
  else if (Array.isArray(origin)) {
    const set = new Set(origin);
    allowOrigin = (o) => set.has(o);
  } else throw new TypeError('createBraidServer: bad cors option');
  return {
    allowOrigin,
    wildcard: origin === '*' && !credentials,
    credentials,
    preflightHeaders: {
      'Access-Control-Allow-Methods': 'GET, HEAD, PUT, PATCH, OPTIONS',
      'Access-Control-Allow-Headers': allowHeaders.join(', '),
      'Access-Control-Max-Age': String(maxAge),
    },
  };
}

/** Adds the CORS response headers (to every response, errors included, so browsers can read the reason). */
export function applyCors(
  req: IncomingRequest,
  res: Responder,
  cors: ResolvedCors | undefined,
  preflight: boolean,
) {
  if (!cors) return;
  const origin = header(req, 'origin');
  if (origin === undefined || !cors.allowOrigin(origin)) return;
  if (cors.wildcard) res.setHeader('Access-Control-Allow-Origin', '*');
  else {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }
  if (cors.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  if (preflight)
    for (const [name, value] of Object.entries(cors.preflightHeaders)) res.setHeader(name, value);
}

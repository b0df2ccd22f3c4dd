import type { BraidRequest, BraidResponse } from '../types';
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
/**
 * Response headers a cross-origin client reads: Braid's, Retry-After (503/429 backoff), Link (the next
 * `?history` page), and the multiplexer's (the client checks Multiplex-Version on the stream it opens).
 */
const EXPOSED_HEADERS =
  'Version, Parents, Current-Version, Subscribe, Heartbeats, Retry-After, Link, Multiplex-Version, Multiplex-Through, Bad-Multiplexer, Bad-Request';
/** Resources are read and written; the multiplexer routes are opened with POST and closed with DELETE. */
const RESOURCE_METHODS = 'GET, HEAD, PUT, PATCH, OPTIONS';
const MULTIPLEXER_METHODS = 'POST, DELETE, OPTIONS';

export interface ResolvedCors {
  allowOrigin(origin: string): boolean;
  /** Answer `*` rather than reflecting the origin. */
  wildcard: boolean;
  credentials: boolean;
  preflightHeaders: Record<string, string>;
  /** The same for `/.well-known/multiplexer/...`, whose methods are POST and DELETE. */
  multiplexerPreflightHeaders: Record<string, string>;
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
  const preflight = (methods: string) => ({
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': allowHeaders.join(', '),
    'Access-Control-Max-Age': String(maxAge),
  });
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
    preflightHeaders: preflight(RESOURCE_METHODS),
    multiplexerPreflightHeaders: preflight(MULTIPLEXER_METHODS),
  };
}

/** Adds the CORS response headers (to every response, errors included, so browsers can read the reason). */
export function applyCors(
  req: BraidRequest,
  res: BraidResponse,
  cors: ResolvedCors | undefined,
  preflight: boolean,
  multiplexerRoute = false,
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
  if (!preflight) return;
  const headers = multiplexerRoute ? cors.multiplexerPreflightHeaders : cors.preflightHeaders;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

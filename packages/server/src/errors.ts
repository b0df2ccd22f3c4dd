import { BraidProtocolError, formatVersions } from '@braid-live/core/protocol';
import { ResourceError, type ResourceErrorCode } from './resource/resourceError';

/**
 * A refusal made by the HTTP layer, with its status and a one-line reason for the client. Everything a
 * request handler throws that is neither an HttpError nor a ResourceError is a bug and is answered 500.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * The one place where domain refusals become HTTP statuses (in the manner of fastify's lib/errors.js).
 * `satisfies` makes adding a code without a status a type error.
 */
export const RESOURCE_ERROR_STATUS = {
  'unknown-parents': 409,
  'patches-do-not-apply': 400,
  'write-conflict': 409,
  'rebase-too-costly': 409,
  'rejected-by-validate': 422,
  'store-failed': 500,
  'unknown-version': 404,
  'version-not-in-history': 410,
  'too-many-patches': 413,
  'patches-too-large': 413,
  'write-too-costly': 422,
  'document-too-large': 413,
  'pattern-full': 403,
  'over-memory-budget': 503,
  'shared-log-unavailable': 503,
  'write-contention': 503,
  'version-taken': 409,
  'version-unknown-here': 309,
  'bad-version': 400,
  busy: 503,
  /** braid-text's status for it (simpleton clients stop on it). */
  'digest-mismatch': 550,
} as const satisfies Record<ResourceErrorCode, number>;

/**
 * What a request that failed with `error` is answered: HttpErrors and ResourceErrors with their status and
 * message, anything else (a bug) undefined, which the adapters answer 500 without details.
 */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof ResourceError) {
    const headers: Record<string, string> =
      error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
    // A 309 names the unknown ids (braid-text's answer).
    if (error.code === 'version-unknown-here' && error.ids) headers.Version = formatVersions(error.ids);
    return new HttpError(RESOURCE_ERROR_STATUS[error.code], error.message, headers);
  }
  return undefined;
}

/**
 * Runs a parser of client input (headers, bodies); its BraidProtocolError becomes a 400 with its message
 * (after `prefix`, which says where). The only place where protocol errors become statuses.
 */
export function parseOrBadRequest<T>(parse: () => T, prefix = ''): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof BraidProtocolError) throw new HttpError(400, `${prefix}${error.message}`);
    throw error;
  }
}

/** The message of anything thrown, on one line and bounded (it may end up in a response body). */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.replace(/[\r\n]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

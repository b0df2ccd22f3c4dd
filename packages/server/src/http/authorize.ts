import { HttpError, reasonOf } from '../errors';
import type { Route } from '../resource/registry';
import type { Authorize, AuthorizeAction } from '../types';
import type { IncomingRequest } from './exchange';
import { header } from './headers';

/**
 * Runs the authorize hook (the resource's, else the server's; none = allowed). Only `true` allows: a hook that
 * forgets to return fails closed. Denials become 401/403 (or the status the hook gave).
 */
export async function checkAccess(
  fallback: Authorize | undefined,
  route: Route,
  req: IncomingRequest,
  action: AuthorizeAction,
): Promise<void> {
  const authorize = route.options.authorize ?? fallback;
  if (!authorize) return;
  let verdict: unknown;
  try {
    verdict = await authorize(req.native, {
      path: route.path,
      action,
      params: route.params,
      header: (name) => header(req, name.toLowerCase()),
    });
  } catch (error) {
    const status = statusOf(error);
    throw new HttpError(status ?? 403, status !== undefined ? reasonOf(error) || 'forbidden' : 'forbidden');
  }
  if (verdict === true) return;
  if (typeof verdict === 'object' && verdict !== null) {
    const status = statusOf(verdict) ?? 403;
    const message = (verdict as { message?: unknown }).message;
    throw new HttpError(
      status,
      typeof message === 'string' && message ? reasonOf(message) : defaultReason(status),
    );
  }
  throw new HttpError(403, 'forbidden');
}

/** A 4xx/5xx from `status` or `statusCode`; anything else does not count (denials are never answered 2xx). */
function statusOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { status, statusCode } = value as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : undefined;
}

function defaultReason(status: number): string {
  return status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'refused';
}

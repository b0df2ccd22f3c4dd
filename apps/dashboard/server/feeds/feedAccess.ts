import type { Authorize } from '@braid-live/server';

/**
 * Live feeds are written by the server only: browsers may read and subscribe; a write is refused (403), and
 * a path outside the known set (`/api/stocks/XYZ`) is a 404 instead of a resource created on demand.
 */
export function feedAccess(isKnown: (params: Record<string, string>) => boolean): Authorize {
  return (_req, { action, params }) => {
    if (!isKnown(params)) return { status: 404, message: 'no such feed' };
    if (action !== 'read') return { status: 403, message: 'live feeds are written by the server only' };
    return true;
  };
}

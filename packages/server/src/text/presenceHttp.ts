import { isSubscribeRequest } from '@braid-live/core/protocol';
import { HttpError } from '../errors';
import { checkAccess } from '../http/authorize';
import type { IncomingRequest, Responder } from '../http/exchange';
import { header } from '../http/headers';
import { parsePeer } from '../http/parseWrite';
import { send } from '../http/respond';
import { heartbeatPeriod, openSubscription } from '../http/subscribe';
import type { Route } from '../resource/registry';
import type { ServerContext } from '../serverContext';
import { type PresenceDocument, PresenceError } from './presence';
import { PRESENCE, type PresenceDefinition, presenceDocuments } from './presenceRegistry';

const PRESENCE_ALLOWED_METHODS = 'GET, PUT, DELETE, OPTIONS';
const STATUS: Record<PresenceError['code'], number> = {
  'bad-entry': 400,
  'entry-too-large': 413,
  'too-many-peers': 409,
  'too-many-documents': 429,
};

/**
 * A request to a presence path (`braid.presence`): GET reads `{peer: entry}` (JSON), GET + Subscribe streams it
 * (a snapshot, then one `Content-Range: json ["peer"]` update per change; an empty body: the peer left), PUT
 * with a `Peer` header sets that peer's entry (a JSON object), DELETE with `Peer` removes it.
 */
export async function servePresence(
  ctx: ServerContext,
  route: Route,
  req: IncomingRequest,
  res: Responder,
): Promise<void> {
  const definition = route.options as unknown as PresenceDefinition;
  const documents = presenceDocuments(ctx);
  try {
    switch (req.method) {
      case 'OPTIONS':
        send(res, 204, { Allow: PRESENCE_ALLOWED_METHODS });
        return;
      case 'GET': {
        await checkAccess(ctx.authorize, route, req, 'read');
        if (ctx.closed) throw new HttpError(503, 'server is shutting down');
        if (!isSubscribeRequest(header(req, 'subscribe'))) {
          const found = documents.get(route.path, definition, false);
          const body = JSON.stringify(found?.snapshot() ?? {});
          send(res, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }, body);
          return;
        }
        const document = documents.get(route.path, definition, true)!;
        subscribe(ctx, document, req, res);
        return;
      }
      case 'PUT': {
        const peer = requirePeer(ctx, req);
        await checkAccess(ctx.authorize, route, req, 'write');
        const maxBytes = definition[PRESENCE].maxEntryBytes;
        const body = await req.readBody({ maxBytes, timeoutMs: ctx.limits.bodyTimeoutMs }, ctx.onShutdown);
        if (ctx.closed) throw new HttpError(503, 'server is shutting down');
        let entry: unknown;
        try {
          entry = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
        } catch {
          throw new HttpError(400, 'a presence entry must be JSON (UTF-8)');
        }
        const document = documents.get(route.path, definition, true)!;
        try {
          document.set(peer, entry);
        } finally {
          document.checkEmpty();
        }
        send(res, 200, {});
        return;
      }
      case 'DELETE': {
        const peer = requirePeer(ctx, req);
        await checkAccess(ctx.authorize, route, req, 'write');
        documents.get(route.path, definition, false)?.remove(peer);
        send(res, 204, {});
        return;
      }
      default:
        throw new HttpError(405, `method ${req.method} not allowed (allowed: ${PRESENCE_ALLOWED_METHODS})`, {
          Allow: PRESENCE_ALLOWED_METHODS,
        });
    }
  } catch (error) {
    if (error instanceof PresenceError) throw new HttpError(STATUS[error.code], error.message);
    throw error;
  }
}

function requirePeer(ctx: ServerContext, req: IncomingRequest): string {
  const value = header(req, 'peer');
  if (value === undefined || !value.trim())
    throw new HttpError(400, 'a presence write needs a Peer header (whose entry it is)');
  return parsePeer(value, ctx.limits);
}

function subscribe(
  ctx: ServerContext,
  document: PresenceDocument,
  req: IncomingRequest,
  res: Responder,
): void {
  if (document.subscriberCount >= ctx.limits.maxSubscribersPerResource) {
    document.checkEmpty();
    throw new HttpError(429, 'too many subscribers to this presence; retry later', { 'Retry-After': '10' });
  }
  const peerHeader = header(req, 'peer');
  const peer = peerHeader?.trim() ? parsePeer(peerHeader, ctx.limits) : undefined;
  const heartbeatSeconds = heartbeatPeriod(ctx, header(req, 'heartbeats'));
  const headers: Record<string, string> = {
    Subscribe: header(req, 'subscribe')?.trim() || 'true',
    'Cache-Control': 'no-cache, no-transform, no-store',
    'X-Accel-Buffering': 'no',
    'Content-Type': 'application/http-history',
    'Repr-Type': 'application/json',
  };
  if (heartbeatSeconds !== undefined) headers.Heartbeats = `${heartbeatSeconds}s`;
  openSubscription(ctx, req, res, headers, heartbeatSeconds, (sink) => {
    document.attach(sink, peer);
    return true;
  });
}

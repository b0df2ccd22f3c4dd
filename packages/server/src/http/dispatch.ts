import { HttpError, toHttpError } from '../errors';
import { handleMultiplexerRequest, isMultiplexerPath } from '../multiplex/multiplexRoutes';
import type { Route } from '../resource/registry';
import type { ServerContext } from '../serverContext';
import { servePresence } from '../text/presenceHttp';
import { isPresenceDefinition } from '../text/presenceRegistry';
import { serveText } from '../text/textHttp';
import { isTextDefinition } from '../text/textOptions';
import { checkAccess } from './authorize';
import { applyCors } from './cors';
import type { IncomingRequest, Responder } from './exchange';
import { ALLOWED_METHODS, BRAID_RESPONSE_HEADERS } from './headers';
import { handleRead } from './read';
import { send, sendError } from './respond';
import { handleWrite } from './write';

/**
 * The one protocol core behind every adapter (`braid.handler`, `braid.middleware`, the Fastify plugin,
 * `braid.fetch`): routes one request described by an IncomingRequest and answers through a Responder.
 *
 * Returns false, without touching the request, when the path is neither a resource nor the multiplexer and
 * the caller passes such requests on (`passThrough`: middleware); otherwise it answers them 404. The decision
 * is synchronous, so a framework can know at once whether the request is ours.
 *
 * Nothing escapes from here: every refusal is an HttpError or ResourceError answered with its status and
 * reason, and anything else thrown (a bug, a failing hook) is reported and answered 500, so one bad request
 * can never take the process down or hang other clients.
 */
export function dispatch(
  ctx: ServerContext,
  req: IncomingRequest,
  res: Responder,
  passThrough: boolean,
): boolean {
  let route: Route | undefined;
  let path: string | undefined;
  let query: URLSearchParams | undefined;
  try {
    ({ path, query } = splitUrl(req.url));
    route = path === undefined ? undefined : ctx.registry.match(path);
  } catch (error) {
    ctx.reportError(error, 'routing');
  }
  const multiplexer = path !== undefined && isMultiplexerPath(path);
  if (!route && !multiplexer && passThrough) return false;
  serve(ctx, route, path, query ?? new URLSearchParams(), req, res).catch((error) => {
    if (!toHttpError(error)) ctx.reportError(error, `${req.method} ${path ?? req.url}`);
    try {
      // A stalled body (408) is not coming: close. Otherwise the client may still be sending: let it finish.
      const stalled = error instanceof HttpError && error.status === 408;
      if (!stalled) req.discardUnreadBody(ctx.discardLimits, ctx.onShutdown);
      sendError(res, error, { withBody: req.method !== 'HEAD', closeConnection: stalled });
    } catch (sendFailure) {
      ctx.reportError(sendFailure, 'sending an error response');
      res.destroy();
    }
  });
  return true;
}

async function serve(
  ctx: ServerContext,
  route: Route | undefined,
  path: string | undefined,
  query: URLSearchParams,
  req: IncomingRequest,
  res: Responder,
): Promise<void> {
  const method = req.method;
  const multiplexerRoute = path !== undefined && isMultiplexerPath(path);
  applyCors(req, res, ctx.cors, method === 'OPTIONS', multiplexerRoute);
  if (ctx.closed) throw new HttpError(503, 'server is shutting down');
  if (multiplexerRoute) {
    handleMultiplexerRequest(ctx, path, req, res);
    return;
  }
  if (!route) throw new HttpError(404, `no resource at ${JSON.stringify(path ?? req.url)}`);
  if (isPresenceDefinition(route.options)) {
    await servePresence(ctx, route, req, res);
    return;
  }
  if (isTextDefinition(route.options)) {
    const textRoute = route;
    await serveText(ctx, route, req, res, query, (use) => ctx.registry.withText(textRoute, use));
    return;
  }
  for (const name in BRAID_RESPONSE_HEADERS) res.setHeader(name, BRAID_RESPONSE_HEADERS[name]);

  switch (method) {
    case 'OPTIONS':
      send(res, 204, { Allow: ALLOWED_METHODS });
      return;
    case 'GET':
    case 'HEAD': {
      await checkAccess(ctx.authorize, route, req, 'read');
      await ctx.registry.with(route, (resource) => {
        resource.assertServing(); // (503 on a node cut off from its shared log: it may be behind)
        return handleRead(ctx, resource, req, res, query);
      });
      return;
    }
    case 'PUT':
    case 'PATCH':
      await handleWrite(ctx, route, req, res);
      return;
    default:
      throw new HttpError(405, `method ${method} not allowed (allowed: ${ALLOWED_METHODS})`, {
        Allow: ALLOWED_METHODS,
      });
  }
}

/** The path (raw, percent-encoded) and query of a request target (origin-form or absolute-form). */
function splitUrl(target: string): { path: string | undefined; query: URLSearchParams } {
  let url = target;
  if (!url.startsWith('/')) {
    // absolute-form (`GET http://host/path`), as sent to proxies, and what a fetch Request carries
    try {
      const parsed = new URL(url);
      url = parsed.pathname + parsed.search;
    } catch {
      return { path: undefined, query: new URLSearchParams() };
    }
  }
  const q = url.indexOf('?');
  if (q < 0) return { path: url, query: new URLSearchParams() };
  return { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

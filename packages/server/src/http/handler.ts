import { HttpError, toHttpError } from '../errors';
import { handleMultiplexerRequest, isMultiplexerPath } from '../multiplex/multiplexRoutes';
import type { Route } from '../resource/registry';
import type { ServerContext } from '../serverContext';
import { serveText } from '../text/textHttp';
import { isTextDefinition } from '../text/textOptions';
import type { BraidRequest, BraidResponse } from '../types';
import { checkAccess } from './authorize';
import { applyCors } from './cors';
import { discardRestOfBody } from './discardBody';
import { ALLOWED_METHODS, BRAID_RESPONSE_HEADERS, closeConnectionAfter, header } from './headers';
import { handleRead } from './read';
import { send, sendError } from './respond';
import { handleWrite } from './write';

export type NodeHandler = (req: BraidRequest, res: BraidResponse) => void;
export type Middleware = (req: BraidRequest, res: BraidResponse, next: (error?: unknown) => void) => void;

/** `braid.handler`: serves resource paths, 404 for the rest. */
export function createHandler(ctx: ServerContext): NodeHandler {
  return (req, res) => dispatch(ctx, req, res, undefined);
}

/** `braid.middleware`: serves resource paths, next() for the rest. */
export function createMiddleware(ctx: ServerContext): Middleware {
  return (req, res, next) => dispatch(ctx, req, res, next);
}

/**
 * Routes one request. Nothing escapes from here: every refusal is an HttpError answered with its status and
 * reason, and anything else thrown (a bug, a failing hook) is reported and answered 500, so one bad request
 * can never take the process down or hang other clients.
 */
function dispatch(
  ctx: ServerContext,
  req: BraidRequest,
  res: BraidResponse,
  next: ((e?: unknown) => void) | undefined,
) {
  let route: Route | undefined;
  let path: string | undefined;
  let query: URLSearchParams | undefined;
  try {
    ({ path, query } = splitUrl(req));
    route = path === undefined ? undefined : ctx.registry.match(path);
  } catch (error) {
    ctx.reportError(error, 'routing');
  }
  const multiplexer = path !== undefined && isMultiplexerPath(path);
  if (!route && !multiplexer && next) {
    next();
    return;
  }
  serve(ctx, route, path, query ?? new URLSearchParams(), req, res).catch((error) => {
    if (!toHttpError(error)) ctx.reportError(error, `${req.method} ${path ?? req.url}`);
    try {
      if (hasUnreadBody(req)) {
        // A stalled body (408) is not coming: close. Otherwise the client may still be sending: let it finish.
        if (error instanceof HttpError && error.status === 408) closeConnectionAfter(req, res);
        else discardRestOfBody(req, ctx.limits.bodyTimeoutMs, ctx.onShutdown);
      }
      sendError(res, error, req.method !== 'HEAD');
    } catch (sendFailure) {
      ctx.reportError(sendFailure, 'sending an error response');
      res.destroy();
    }
  });
}

async function serve(
  ctx: ServerContext,
  route: Route | undefined,
  path: string | undefined,
  query: URLSearchParams,
  req: BraidRequest,
  res: BraidResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const multiplexerRoute = path !== undefined && isMultiplexerPath(path);
  applyCors(req, res, ctx.cors, method === 'OPTIONS', multiplexerRoute);
  if (ctx.closed) throw new HttpError(503, 'server is shutting down');
  if (multiplexerRoute) {
    handleMultiplexerRequest(ctx, path, req, res);
    return;
  }
  if (!route) throw new HttpError(404, `no resource at ${JSON.stringify(path ?? req.url)}`);
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

/**
 * The path (raw, percent-encoded) and query of a request. Express strips a mount path from `req.url` and keeps
 * the whole one in `req.originalUrl`: resources are defined by their whole path, so that one is used.
 */
function splitUrl(req: BraidRequest): { path: string | undefined; query: URLSearchParams } {
  let url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  if (!url.startsWith('/')) {
    // absolute-form (`GET http://host/path`), as sent to proxies
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

/** A request body nobody read (a refused write, a POST…). */
function hasUnreadBody(req: BraidRequest): boolean {
  if (req.readableEnded) return false;
  const length = header(req, 'content-length');
  return (length !== undefined && length !== '0') || header(req, 'transfer-encoding') !== undefined;
}

import { formatVersions } from '@braid-live/core/protocol';
import { HttpError } from '../errors';
import { LoopTurn } from '../loopTurn';
import type { Route } from '../resource/registry';
import type { ServerContext } from '../serverContext';
import { checkAccess } from './authorize';
import type { IncomingRequest, Responder } from './exchange';
import { parseWriteBody, parseWriteHeaders } from './parseWrite';
import { send } from './respond';

/**
 * PUT and PATCH (same meaning): headers checked, access checked, body read within limits, then handed to the
 * resource's write queue. Answered 200 + Version only once the version is durable in the store. A Version the
 * server already has is answered 200 when it is a retry (same Parents and patches), 409 otherwise.
 */
export async function handleWrite(ctx: ServerContext, route: Route, req: IncomingRequest, res: Responder) {
  // (A refusal before the body was read leaves the rest of it to the dispatcher: see dispatch.ts.)
  const headers = parseWriteHeaders(req, ctx.limits);
  await checkAccess(ctx.authorize, route, req, 'write');
  const limits = {
    maxBytes: ctx.limits.maxBodyBytes,
    timeoutMs: ctx.limits.bodyTimeoutMs,
    inFlight: ctx.bodiesInFlight,
  };
  const body = await req.readBody(limits, ctx.onShutdown);

  if (ctx.closed) throw new HttpError(503, 'server is shutting down');
  await ctx.registry.with(route, async (resource) => {
    const turn = new LoopTurn();
    const patches = await parseWriteBody(headers.form, body, ctx.limits, turn);
    // A big body took a while to parse: let the loop run before the write's own passes.
    await turn.pause();
    const outcome = await resource.write({
      version: headers.version,
      parents: headers.parents,
      patches,
      peer: headers.peer,
      req: req.native,
    });
    sendWritten(res, outcome.kind === 'applied' ? outcome.entry.version : outcome.version);
  });
}

function sendWritten(res: Responder, version: string): void {
  send(res, 200, { Version: formatVersions([version]) });
}

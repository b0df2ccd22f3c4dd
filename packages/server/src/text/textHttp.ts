import {
  formatVersions,
  isSubscribeRequest,
  parseHeartbeats,
  parsePatchesBody,
} from '@braid-live/core/protocol';
import { HttpError, parseOrBadRequest } from '../errors';
import { checkAccess } from '../http/authorize';
import type { IncomingRequest, Responder } from '../http/exchange';
import { header } from '../http/headers';
import { parsePeer, parseWriteHeaders, type WriteForm } from '../http/parseWrite';
import { parseVersionHeader, sendHistory, wantsHistory } from '../http/read';
import { addVary, send } from '../http/respond';
import { heartbeatPeriod, openSubscription } from '../http/subscribe';
import type { Route } from '../resource/registry';
import type { ServerContext } from '../serverContext';
import type { RawSplice, TextResource, TextWriteProposal } from './TextResource';
import { TEXT_REPR_TYPE } from './textWire';

const TEXT_ALLOWED_METHODS = 'GET, HEAD, PUT, PATCH, OPTIONS';

/**
 * A request to a text resource (`braid.text`): simpleton on the wire (../shared/braid-wire/text). GET/HEAD read
 * the text (or an older version's), `?history` lists versions, GET + Subscribe opens a 209 stream, PUT/PATCH
 * write splices (`Content-Range: text [a:b]`, one inlined or `Patches: N`) or a whole new text.
 */
export async function serveText(
  ctx: ServerContext,
  route: Route,
  req: IncomingRequest,
  res: Responder,
  query: URLSearchParams,
  withText: <R>(use: (resource: TextResource) => R | Promise<R>) => Promise<R>,
): Promise<void> {
  res.setHeader('Range-Request-Allow-Methods', 'PATCH, PUT');
  res.setHeader('Range-Request-Allow-Units', 'text');
  const method = req.method;
  switch (method) {
    case 'OPTIONS':
      send(res, 204, { Allow: TEXT_ALLOWED_METHODS });
      return;
    case 'GET':
    case 'HEAD':
      checkMergeType(req);
      await checkAccess(ctx.authorize, route, req, 'read');
      await withText((resource) => readText(ctx, resource, req, res, query));
      return;
    case 'PUT':
    case 'PATCH':
      await writeText(ctx, route, req, res, withText);
      return;
    default:
      throw new HttpError(405, `method ${method} not allowed (allowed: ${TEXT_ALLOWED_METHODS})`, {
        Allow: TEXT_ALLOWED_METHODS,
      });
  }
}

/** `Merge-Type` may be absent or `simpleton` (the only one this server speaks). */
function checkMergeType(req: IncomingRequest): void {
  const mergeType = header(req, 'merge-type')?.trim();
  if (mergeType === undefined || mergeType === '' || mergeType === 'simpleton') return;
  throw new HttpError(400, `Unknown merge type: ${mergeType.slice(0, 60)}`);
}

function readText(
  ctx: ServerContext,
  resource: TextResource,
  req: IncomingRequest,
  res: Responder,
  query: URLSearchParams,
): void {
  resource.assertServing();
  const withBody = req.method !== 'HEAD';
  if (wantsHistory(req, query)) {
    sendHistory(ctx, resource, res, query, withBody);
    return;
  }
  const versionHeader = header(req, 'version');
  const version = versionHeader?.trim() ? parseVersionHeader(versionHeader) : undefined;
  if (withBody && isSubscribeRequest(header(req, 'subscribe'))) {
    if (version)
      throw new HttpError(400, 'Version header is not allowed with Subscribe — use Parents instead');
    subscribeText(ctx, resource, req, res);
    return;
  }
  addVary(res, 'Version, Parents, Subscribe');
  const found = version ? resource.valueAt(version) : resource.head;
  if (!found) throw versionUnknownHere(req, res, resource, version!);
  const head = resource.head.version;
  const headers: Record<string, string> = {
    'Current-Version': formatVersions(head),
    'Merge-Type': 'simpleton',
    'Accept-Subscribe': 'true',
    Version: formatVersions(found.version),
  };
  const digest = version ? undefined : resource.headDigest();
  if (digest) headers['repr-digest'] = digest;
  headers['Repr-Type'] = TEXT_REPR_TYPE;
  headers['Content-Type'] = TEXT_REPR_TYPE;
  headers['Cache-Control'] = 'no-cache';
  send(res, 200, headers, found.value, { withBody });
}

function subscribeText(ctx: ServerContext, resource: TextResource, req: IncomingRequest, res: Responder) {
  if (ctx.closed) throw new HttpError(503, 'server is shutting down');
  if (resource.subscriberCount >= ctx.limits.maxSubscribersPerResource)
    throw new HttpError(429, 'too many subscribers to this resource; retry later', { 'Retry-After': '10' });
  const parentsHeader = header(req, 'parents');
  const parents = parentsHeader === undefined ? undefined : parseVersionHeader(parentsHeader);
  if (parents && !resource.valueAt(parents)) throw versionUnknownHere(req, res, resource, parents);
  const peerHeader = header(req, 'peer');
  const peer = peerHeader === undefined ? undefined : parsePeer(peerHeader, ctx.limits);
  const requestedBeats = header(req, 'heartbeats');
  const heartbeatSeconds = heartbeatPeriod(ctx, requestedBeats);

  // Header order as braid-text's (recorded): what a simpleton client reads first comes first.
  const headers: Record<string, string> = {
    Editable: 'true',
    'Current-Version': formatVersions(resource.head.version),
    'Merge-Type': 'simpleton',
    'Accept-Subscribe': 'true',
    'Repr-Type': TEXT_REPR_TYPE,
    'Content-Type': 'application/http-history',
    Subscribe: header(req, 'subscribe')?.trim() || 'true',
    'Cache-Control': 'no-cache, no-transform, no-store',
    'X-Accel-Buffering': 'no',
  };
  if (heartbeatSeconds !== undefined) {
    // Echoed as sent when it is the period used (braid-http writes it lower-case), else the clamped period.
    const asked = requestedBeats === undefined ? undefined : parseHeartbeats(requestedBeats);
    headers.heartbeats = asked === heartbeatSeconds ? requestedBeats!.trim() : `${heartbeatSeconds}s`;
  }
  if (req.http1) res.setReason('Multiresponse');
  openSubscription(ctx, req, res, headers, heartbeatSeconds, (sink) => resource.attach(sink, peer, parents));
}

/** The 309 for ids nobody here can name (the status line says so, as braid-text's does). */
function versionUnknownHere(req: IncomingRequest, res: Responder, resource: TextResource, ids: string[]) {
  if (req.http1) res.setReason('Version Unknown Here');
  return new HttpError(309, `version ${formatVersions(ids)} is unknown here`, {
    Version: formatVersions(resource.unknownIds(ids)),
  });
}

async function writeText(
  ctx: ServerContext,
  route: Route,
  req: IncomingRequest,
  res: Responder,
  withText: <R>(use: (resource: TextResource) => R | Promise<R>) => Promise<R>,
): Promise<void> {
  const headers = parseWriteHeaders(req, ctx.limits);
  checkMergeType(req);
  await checkAccess(ctx.authorize, route, req, 'write');
  const limits = { maxBytes: ctx.limits.maxBodyBytes, timeoutMs: ctx.limits.bodyTimeoutMs };
  const body = await req.readBody(limits, ctx.onShutdown);
  if (ctx.closed) throw new HttpError(503, 'server is shutting down');
  const proposal: TextWriteProposal = { edit: parseTextEdit(headers.form, body), req: req.native };
  if (headers.version !== undefined) proposal.version = headers.version;
  if (headers.parents !== undefined) proposal.parents = headers.parents;
  if (headers.peer !== undefined) proposal.peer = headers.peer;
  const digest = header(req, 'repr-digest');
  if (digest !== undefined) proposal.digest = digest.trim();
  const outcome = await withText(async (resource) => {
    try {
      return await resource.write(proposal);
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'version-unknown-here' && req.http1)
        res.setReason('Version Unknown Here');
      throw error;
    }
  });
  const frontier = outcome.kind === 'applied' ? outcome.entry.frontier : outcome.frontier;
  send(res, 200, { Version: formatVersions(frontier) });
}

const TEXT_RANGE = /^\s*\[\s*(-?\d{1,15})\s*:\s*(-?\d{1,15})\s*\]\s*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The edit a PUT body carries: a whole new text, or splices (400 for another unit, a bad range, bad UTF-8). */
export function parseTextEdit(form: WriteForm, body: Uint8Array): TextWriteProposal['edit'] {
  switch (form.kind) {
    case 'snapshot':
      return { text: decode(body, 'the body') };
    case 'inline':
      return { splices: [toSplice(form.unit, form.range, body, '')] };
    case 'patches': {
      const frames = parseOrBadRequest(() => parsePatchesBody(body, form.count));
      return { splices: frames.map((f, i) => toSplice(f.unit, f.range, f.content, ` ${i + 1}`)) };
    }
  }
}

function toSplice(unit: string, range: string, content: Uint8Array, which: string): RawSplice {
  if (unit !== 'text')
    throw new HttpError(
      400,
      `unknown range unit ${JSON.stringify(unit)} in patch${which} (this resource takes "text")`,
    );
  const m = TEXT_RANGE.exec(range);
  if (!m)
    throw new HttpError(
      400,
      `bad range ${JSON.stringify(range.slice(0, 40))} in patch${which}: expected [a:b]`,
    );
  return { start: Number(m[1]), end: Number(m[2]), content: decode(content, `patch${which}`) };
}

function decode(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(400, `${what} is not valid UTF-8`);
  }
}

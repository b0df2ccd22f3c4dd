import { formatVersions, MULTIPLEX_VERSION, parseHeartbeats } from '@braid-live/core/protocol';
import { HttpError } from '../errors';
import { multiplexTarget, sendJsonError } from '../multiplex/multiplexRoutes';
import type { ServerResource } from '../resource/serverResource';
import type { ServerContext } from '../serverContext';
import type { SubscriptionSink } from '../subscriptions/sink';
import { StreamSink } from '../subscriptions/streamSink';
import type { ByteStream, IncomingRequest, Responder } from './exchange';
import { BRAID_RESPONSE_HEADERS, header } from './headers';
import { parseVersionHeader } from './read';
import { send } from './respond';

/**
 * GET + Subscribe: a 209 response that stays open. First what the client is missing (a snapshot; or with
 * `Parents`, only the versions after them, or a snapshot when they are no longer in history), then every new
 * version as it is accepted. `Heartbeats: Ns` is echoed (clamped to the server's bounds) and a CRLF is written
 * every N seconds.
 *
 * On HTTP/1.1 the body is close-delimited by default (no chunked framing: the fan-out writes exactly the update
 * bytes, about 3x less server CPU per delivery than chunked in our measurement, and fetch in browsers reads it
 * the same). The connection is not reused afterwards, which costs nothing for a stream that lasts until one side
 * closes it.
 */
export async function startSubscription(
  ctx: ServerContext,
  resource: ServerResource,
  req: IncomingRequest,
  res: Responder,
): Promise<void> {
  const parentsHeader = header(req, 'parents');
  const parents = parentsHeader === undefined ? undefined : parseVersionHeader(parentsHeader);
  const heartbeatSeconds = heartbeatPeriod(ctx, header(req, 'heartbeats'));
  // (Not while the subscriber waits: the snapshot it will get is made first, giving the loop back.)
  await resource.prepareHeadBytes(parents);
  // (Authorization, loading and the snapshot were async: the server may have closed meanwhile.)
  if (ctx.closed) throw new HttpError(503, 'server is shutting down');
  if (resource.subscriberCount >= ctx.limits.maxSubscribersPerResource) {
    throw new HttpError(429, 'too many subscribers to this resource; retry later', { 'Retry-After': '10' });
  }

  const subscribe = header(req, 'subscribe')?.trim() || 'true';
  const headers: Record<string, string> = {
    Subscribe: subscribe,
    'Cache-Control': 'no-cache, no-transform, no-store',
    'X-Accel-Buffering': 'no',
    // Not application/json: the body is a stream of updates. (An unknown type also keeps compression
    // middleware from buffering the stream.)
    'Content-Type': 'application/http-history',
    'Repr-Type': 'application/json',
  };
  const head = resource.head.version;
  if (head.length) headers['Current-Version'] = formatVersions(head);
  if (heartbeatSeconds !== undefined) headers.Heartbeats = `${heartbeatSeconds}s`;

  openSubscription(ctx, req, res, headers, heartbeatSeconds, (sink) => resource.attach(sink, parents));
}

/**
 * Opens the 209 (on this response, or in the multiplexer stream `Multiplex-Through` names) with `headers`, lets
 * `attach` write the initial burst and join the fan-out, then starts heartbeats. Shared by JSON and text
 * resources.
 */
export function openSubscription(
  ctx: ServerContext,
  req: IncomingRequest,
  res: Responder,
  headers: Record<string, string>,
  heartbeatSeconds: number | undefined,
  attach: (sink: SubscriptionSink) => boolean,
): void {
  const target = multiplexTarget(req);
  let stream: ByteStream | undefined;
  let sink: SubscriptionSink | undefined;
  if (target) sink = startMultiplexed(ctx, target, headers, res);
  else {
    const closeDelimited = req.http1 && ctx.subscriptionFraming === 'close';
    stream = res.openStream(209, headers, { closeDelimited });
    sink = new StreamSink(stream, ctx.limits.maxBufferedBytesPerSubscriber, ctx.sinkStats);
  }
  if (!sink) return;
  const wroteInitial = attach(sink);
  // Nothing to catch up on: still send the 209 head now, so the client knows it is subscribed.
  if (!wroteInitial) stream?.flush();
  if (heartbeatSeconds !== undefined && !sink.closed) ctx.heartbeats.add(sink, heartbeatSeconds * 1000);
}

/**
 * `Multiplex-Through`: the 209 response goes into the named multiplexer stream; this request is answered
 * `293 Responded via multiplexer` at once, which frees its connection (the point: browsers allow 6 per origin).
 */
function startMultiplexed(
  ctx: ServerContext,
  target: { muxId: string; requestId: string; through: string },
  headers: Record<string, string>,
  res: Responder,
): SubscriptionSink | undefined {
  const mux = ctx.multiplexers.get(target.muxId);
  if (!mux || mux.closed) {
    throw new HttpError(424, `multiplexer ${target.muxId} does not exist`, {
      'Bad-Multiplexer': target.muxId,
    });
  }
  if (mux.takeEarlyCancel(target.requestId)) {
    // Its client DELETEd it while this request was on its way: nobody would read it.
    throw new HttpError(410, `request ${target.requestId} was cancelled before it started`);
  }
  if (mux.has(target.requestId)) {
    const details = `Cannot multiplex request with duplicate ID '${target.requestId}' for multiplexer '${target.muxId}'`;
    sendJsonError(res, 409, 'Request already multiplexed', details);
    return undefined;
  }
  if (mux.size >= ctx.limits.maxStreamsPerMultiplexer) {
    throw new HttpError(
      429,
      `too many responses on this multiplexer (limit ${ctx.limits.maxStreamsPerMultiplexer}); retry later`,
      { 'Retry-After': '10' },
    );
  }
  const sink = mux.open(target.requestId);
  sink.writeHead(209, 'Multiresponse', { ...BRAID_RESPONSE_HEADERS, ...headers });
  send(
    res,
    293,
    {
      'Multiplex-Through': target.through,
      'Multiplex-Version': MULTIPLEX_VERSION,
      'Cache-Control': 'no-store',
    },
    'Ok.',
    { reason: 'Responded via multiplexer' },
  );
  return sink;
}

/** The period to use: the client's (clamped), else the server default, else none. */
export function heartbeatPeriod(ctx: ServerContext, requested: string | undefined): number | undefined {
  const seconds =
    (requested === undefined ? undefined : parseHeartbeats(requested)) ?? ctx.defaultHeartbeatSeconds;
  if (seconds === undefined) return undefined;
  return Math.min(ctx.limits.maxHeartbeatSeconds, Math.max(ctx.limits.minHeartbeatSeconds, seconds));
}

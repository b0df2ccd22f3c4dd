import type { ServerResponse } from 'node:http';
import { formatVersions, parseHeartbeats } from '@braid-live/core/protocol';
import { HttpError } from '../errors';
import type { Resource } from '../resource/resource';
import type { ServerCore } from '../serverCore';
import { HttpResponseSink } from '../subscriptions/httpSink';
import type { BraidRequest, BraidResponse } from '../types';
import { header, isHttp1 } from './headers';
import { parseOrBadRequest } from './read';

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
export function startSubscription(
  core: ServerCore,
  resource: Resource,
  req: BraidRequest,
  res: BraidResponse,
): void {
  // (Authorization and loading were async: the server may have closed meanwhile.)
  if (core.closed) throw new HttpError(503, 'server is shutting down');
  if (resource.subscriberCount >= core.limits.maxSubscribersPerResource) {
    throw new HttpError(429, 'too many subscribers to this resource; retry later', { 'Retry-After': '10' });
  }
  const parentsHeader = header(req, 'parents');
  const parents = parentsHeader === undefined ? undefined : parseOrBadRequest(parentsHeader);
  const heartbeatSeconds = heartbeatPeriod(core, header(req, 'heartbeats'));

  const subscribe = header(req, 'subscribe')?.trim() || 'true';
  res.setHeader('Subscribe', subscribe);
  res.setHeader('Cache-Control', 'no-cache, no-transform, no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  // Not application/json: the body is a stream of updates. (An unknown type also keeps compression
  // middleware from buffering the stream.)
  res.setHeader('Content-Type', 'application/http-history');
  res.setHeader('Repr-Type', 'application/json');
  const head = resource.head.version;
  if (head.length) res.setHeader('Current-Version', formatVersions(head));
  if (heartbeatSeconds !== undefined) res.setHeader('Heartbeats', `${heartbeatSeconds}s`);
  if (isHttp1(req) && core.subscriptionFraming === 'close') {
    res.setHeader('Connection', 'close');
    (res as ServerResponse).useChunkedEncodingByDefault = false;
  }
  res.writeHead(209);

  const sink = new HttpResponseSink(res, core.limits.maxBufferedBytesPerSubscriber, core.sinkStats);
  const wroteInitial = resource.attach(sink, parents);
  // Nothing to catch up on: still send the 209 head now, so the client knows it is subscribed.
  if (!wroteInitial) (res as ServerResponse).flushHeaders();
  if (heartbeatSeconds !== undefined && !sink.closed) core.heartbeats.add(sink, heartbeatSeconds * 1000);
}

/** The period to use: the client's (clamped), else the server default, else none. */
function heartbeatPeriod(core: ServerCore, requested: string | undefined): number | undefined {
  const seconds =
    (requested === undefined ? undefined : parseHeartbeats(requested)) ?? core.defaultHeartbeatSeconds;
  if (seconds === undefined) return undefined;
  return Math.min(core.limits.maxHeartbeatSeconds, Math.max(core.limits.minHeartbeatSeconds, seconds));
}

import { formatVersions, isSubscribeRequest, parseVersions } from '@braid-live/core/protocol';
import { HttpError, parseOrBadRequest } from '../errors';
import { jsonBytesInSteps } from '../json/jsonInSteps';
import { LoopTurn, runInTurns } from '../loopTurn';
import type { ServerResource } from '../resource/serverResource';
import type { ServerContext } from '../serverContext';
import type { IncomingRequest, Responder } from './exchange';
import { header } from './headers';
import { addVary, send } from './respond';
import { startSubscription } from './subscribe';

/** The media type of the version list (GET with this Accept, or `?history`). */
export const HISTORY_MEDIA_TYPE = 'application/braid-history+json';

/**
 * GET and HEAD: the current value, the value at an older `Version` (410 once it left the history), the version
 * list (`Accept: application/braid-history+json` or `?history`, optional `&limit=N`), or, with `Subscribe`, a
 * subscription. Reads never wait for the write queue or the store: they see the last durable version.
 */
export async function handleRead(
  ctx: ServerContext,
  resource: ServerResource,
  req: IncomingRequest,
  res: Responder,
  query: URLSearchParams,
): Promise<void> {
  const withBody = req.method !== 'HEAD';
  if (wantsHistory(req, query)) {
    sendHistory(ctx, resource, res, query, withBody);
    return;
  }
  if (withBody && isSubscribeRequest(header(req, 'subscribe'))) {
    await startSubscription(ctx, resource, req, res);
    return;
  }
  addVary(res, 'Version, Parents, Subscribe');
  const versionHeader = header(req, 'version');
  if (versionHeader !== undefined && versionHeader.trim() !== '') {
    const wanted = parseVersionHeader(versionHeader);
    const found = resource.valueAt(wanted);
    if (!found) {
      throw new HttpError(
        410,
        `version ${formatVersions(wanted)} is not in the server's history (gone, or never existed)`,
      );
    }
    // (An old version is not cached: its JSON is made for this read, in turns, as the head's is.)
    const json = await runInTurns(jsonBytesInSteps(found.value), new LoopTurn());
    sendJson(res, found.version, json, withBody, 'no-cache');
    return;
  }
  await resource.prepareHeadBytes();
  sendJson(res, resource.head.version, resource.headBody(), withBody, 'no-cache');
}

function sendJson(
  res: Responder,
  version: string[],
  json: Uint8Array | undefined,
  withBody: boolean,
  cacheControl: string,
) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Cache-Control': cacheControl,
  };
  if (version.length) headers.Version = formatVersions(version);
  send(res, 200, headers, json, { withBody });
}

export function wantsHistory(req: IncomingRequest, query: URLSearchParams): boolean {
  return query.has('history') || (header(req, 'accept') ?? '').toLowerCase().includes(HISTORY_MEDIA_TYPE);
}

/** The version list, in pages (JSON and text resources alike). */
export function sendHistory(
  ctx: ServerContext,
  resource: Pick<ServerResource, 'historyPage'> & { head: { version: readonly string[] } },
  res: Responder,
  query: URLSearchParams,
  withBody: boolean,
): void {
  const { historyPageSize, maxHistoryPageSize, historyPageBytes } = ctx.limits;
  const limitParam = query.get('limit');
  let limit = historyPageSize;
  if (limitParam !== null) {
    limit = Number(limitParam);
    if (!Number.isInteger(limit) || limit < 0 || limit > maxHistoryPageSize)
      throw new HttpError(400, `bad limit: expected an integer from 0 to ${maxHistoryPageSize}`);
  }
  const before = query.get('before') ?? undefined;
  const page = resource.historyPage({ before, limit, maxBytes: historyPageBytes });
  const headers: Record<string, string> = { 'Content-Type': HISTORY_MEDIA_TYPE, 'Cache-Control': 'no-cache' };
  const head = resource.head.version;
  if (head.length) headers['Current-Version'] = formatVersions(head);
  if (page.next !== undefined) {
    const next = new URLSearchParams({ limit: String(limit), before: page.next });
    headers.Link = `<?history&${next}>; rel="next"`;
  }
  send(res, 200, headers, page.bytes, { withBody });
}

/** A Version or Parents header's ids (400 when malformed). */
export function parseVersionHeader(value: string): string[] {
  return parseOrBadRequest(() => parseVersions(value));
}

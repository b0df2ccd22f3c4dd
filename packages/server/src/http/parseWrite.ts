import {
  BraidProtocolError,
  formatJsonRange,
  type JsonPatch,
  type PatchFrame,
  parseContentRange,
  parseJsonRange,
  parsePatchesBody,
  parseVersions,
} from '@braid-live/core/protocol';
import { HttpError, parseOrBadRequest } from '../errors';
import { rememberContentJsonText } from '../json/contentJson';
import { isCanonicalString } from '../json/parseContent';
import { parseContentInTurns } from '../json/parseContentInTurns';
import type { BraidLimits } from '../limits';
import type { LoopTurn } from '../loopTurn';
import type { IncomingRequest } from './exchange';
import { header } from './headers';

/** How the body of a write is framed, read from its headers alone. */
export type WriteForm =
  | { kind: 'snapshot' }
  | { kind: 'inline'; unit: string; range: string }
  | { kind: 'patches'; count: number };

export interface WriteHeaders {
  version?: string;
  parents?: string[];
  peer?: string;
  form: WriteForm;
}

const PATCHES_COUNT = /^\s*(\d{1,9})\s*$/;
const HTTP_PATCHES_TYPE = /^\s*application\/http-patches\s*(?:;(.*))?$/i;
const COUNT_PARAM = /(?:^|;)\s*count\s*=\s*"?(\d{1,9})"?\s*(?:;|$)/i;

/**
 * Reads a PUT/PATCH's Braid headers: Version (exactly one id, or none for a server-made one), Parents (none =
 * the head), Peer, and the body's form: `Patches: N` or `Content-Type: application/http-patches; count=N`
 * (both recorded dialects), an inlined single patch (`Content-Range`), or else a snapshot. Checked before the
 * body is read, so a malformed write costs nothing. Throws HttpError(400).
 */
export function parseWriteHeaders(req: IncomingRequest, limits: BraidLimits): WriteHeaders {
  const out: WriteHeaders = { form: { kind: 'snapshot' } };

  const versionHeader = header(req, 'version');
  if (versionHeader !== undefined) {
    const ids = versions(versionHeader, 'Version', limits);
    if (ids.length > 1) throw new HttpError(400, 'a write has exactly one Version');
    out.version = ids[0];
  }
  const parentsHeader = header(req, 'parents');
  if (parentsHeader !== undefined) out.parents = versions(parentsHeader, 'Parents', limits);

  const peer = header(req, 'peer');
  if (peer !== undefined) out.peer = parsePeer(peer, limits);

  const count = patchesCount(req, limits);
  const contentRange = header(req, 'content-range');
  if (count !== undefined && contentRange !== undefined) {
    throw new HttpError(400, 'a write has either Patches or an inlined Content-Range, not both');
  }
  if (count !== undefined) out.form = { kind: 'patches', count };
  else if (contentRange !== undefined)
    out.form = { kind: 'inline', ...parseOrBadRequest(() => parseContentRange(contentRange)) };
  return out;
}

/**
 * Turns a write's body into json patches, all-or-nothing: every patch is checked (unit, range syntax and
 * depth, forbidden keys, UTF-8, JSON and its nesting) before any is applied. A big content is parsed in turns
 * that give the loop back (json/parseContentInTurns.ts). Throws HttpError(400).
 */
export async function parseWriteBody(
  form: WriteForm,
  body: Uint8Array,
  limits: BraidLimits,
  turn: LoopTurn,
): Promise<JsonPatch[]> {
  switch (form.kind) {
    case 'snapshot': {
      if (body.length === 0) throw new HttpError(400, 'empty body: a snapshot write needs a JSON document');
      return [contentPatch('', await contentOrBadRequest(body, limits, turn, ''))];
    }
    case 'inline':
      return [await toJsonPatch(form.unit, form.range, body, limits, '', turn)];
    case 'patches': {
      const frames: PatchFrame[] = parseOrBadRequest(() => parsePatchesBody(body, form.count));
      const patches: JsonPatch[] = [];
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        patches.push(await toJsonPatch(frame.unit, frame.range, frame.content, limits, ` ${i + 1}`, turn));
        // (1000 small patches are parsed without a turn of their own each: ~10 ms together.)
        await turn.pause();
      }
      return patches;
    }
  }
}

async function toJsonPatch(
  unit: string,
  range: string,
  content: Uint8Array,
  limits: BraidLimits,
  which: string,
  turn: LoopTurn,
): Promise<JsonPatch> {
  if (unit !== 'json') {
    throw new HttpError(
      400,
      `unknown range unit ${JSON.stringify(unit)} in patch${which} (this resource takes "json")`,
    );
  }
  const parsed = parseOrBadRequest(() => parseJsonRange(range), `patch${which}: `);
  if (parsed.path.length > limits.maxPathDepth) {
    throw new HttpError(400, `range of patch${which} is nested too deep (limit ${limits.maxPathDepth})`);
  }
  const parsedContent = await contentOrBadRequest(content, limits, turn, `patch${which}: `);
  // Canonical form (non-ASCII escaped): stored, transformed and re-sent as is.
  return contentPatch(formatJsonRange(parsed), parsedContent);
}

/** parseContentInTurns, its refusal made a 400 as parseOrBadRequest makes it. */
async function contentOrBadRequest(content: Uint8Array, limits: BraidLimits, turn: LoopTurn, prefix: string) {
  try {
    return await parseContentInTurns(content, limits.maxJsonDepth, turn);
  } catch (error) {
    if (error instanceof BraidProtocolError) throw new HttpError(400, `${prefix}${error.message}`);
    throw error;
  }
}

/** The patch, with its content's JSON remembered when the text sent is exactly it (json/contentJson.ts). */
function contentPatch(
  range: string,
  { value, text, canonical }: { value: unknown; text: string; canonical?: boolean },
): JsonPatch {
  const patch: JsonPatch = { range };
  if (value === undefined) return patch;
  patch.content = value;
  if (canonical || isCanonicalString(value, text)) rememberContentJsonText(patch, text);
  return patch;
}

function versions(value: string, name: string, limits: BraidLimits): string[] {
  const ids = parseOrBadRequest(() => parseVersions(value));
  for (const id of ids) {
    if (id.length === 0 || id.length > limits.maxVersionIdLength) {
      throw new HttpError(400, `bad ${name}: ids must be 1 to ${limits.maxVersionIdLength} characters`);
    }
  }
  return ids;
}

/** `Peer: peer-A` (1.3.x) or `Peer: "peer-A"` (1.4.x). */
export function parsePeer(value: string, limits: BraidLimits): string {
  let peer = value.trim();
  if (peer.startsWith('"')) {
    try {
      peer = JSON.parse(peer);
    } catch {
      throw new HttpError(400, 'bad Peer: not a JSON string');
    }
    if (typeof peer !== 'string') throw new HttpError(400, 'bad Peer: not a JSON string');
  }
  if (peer.length > limits.maxVersionIdLength) throw new HttpError(400, 'bad Peer: too long');
  return peer;
}

function patchesCount(req: IncomingRequest, limits: BraidLimits): number | undefined {
  const patches = header(req, 'patches');
  let count: number | undefined;
  if (patches !== undefined) {
    const m = PATCHES_COUNT.exec(patches);
    if (!m)
      throw new HttpError(
        400,
        `bad Patches header ${JSON.stringify(patches.slice(0, 40))}: expected a count`,
      );
    count = Number(m[1]);
  }
  const type = HTTP_PATCHES_TYPE.exec(header(req, 'content-type') ?? '');
  if (type) {
    const m = COUNT_PARAM.exec(type[1] ?? '');
    if (m) {
      const typeCount = Number(m[1]);
      if (count !== undefined && count !== typeCount) {
        throw new HttpError(400, `Patches: ${count} disagrees with Content-Type count=${typeCount}`);
      }
      count = typeCount;
    } else if (count === undefined) {
      throw new HttpError(400, 'Content-Type application/http-patches needs a count (or a Patches header)');
    }
  }
  if (count !== undefined && count > limits.maxPatches) {
    // (Also checked, with the rest of the write budget, in resource/writeBudget.ts: this one is before the body.)
    throw new HttpError(413, `too many patches (${count}; the limit is ${limits.maxPatches})`);
  }
  return count;
}

import { serializeWrite, type WriteRequest } from '../protocol/serialize';
import type { JsonPatch } from '../protocol/types';

/**
 * The PUT for a write: a whole-document set goes as a plain JSON body (every Braid server takes that);
 * anything else as json range patches (`Content-Range` for one, `Patches: N` for several).
 */
export function encodeWrite(id: string, parents: string[], patches: JsonPatch[]): WriteRequest {
  // Parents name the state the write is based on (every state has an id on a braid-live server, the initial one
  // too); a server that gave no version gets no Parents header (an empty one is dropped by some proxies).
  return encodePatches(id, parents, patches);
}

function encodePatches(id: string, parents: string[], patches: JsonPatch[]): WriteRequest {
  if (patches.length === 1 && patches[0].range === '' && patches[0].content !== undefined) {
    return serializeWrite({ version: [id], parents, body: JSON.stringify(patches[0].content) });
  }
  return serializeWrite({
    version: [id],
    parents,
    patches: patches.map((p) => ({
      unit: 'json',
      range: p.range,
      content: p.content === undefined ? '' : JSON.stringify(p.content),
    })),
  });
}

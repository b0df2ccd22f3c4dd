import { type JsonPatch, serializeWrite, type WriteRequest } from '../protocol/index';

/**
 * The PUT for a write: a whole-document set goes as a plain JSON body (every Braid server takes that);
 * anything else as json range patches (`Content-Range` for one, `Patches: N` for several).
 */
export function encodeWrite(id: string, parents: string[], patches: JsonPatch[]): WriteRequest {
  const request = encodePatches(id, parents, patches);
  // An empty Parents names the initial state; without the header a server would take the write as based on its
  // head, and skip the transform.
  if (parents.length === 0) request.headers.Parents = '';
  return request;
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

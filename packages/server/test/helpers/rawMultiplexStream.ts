import net from 'node:net';
import {
  createMultiplexParser,
  createUpdateParser,
  parseResponseHead,
  type ResponseHead,
  type Update,
} from '@braid-live/core/protocol';

export interface DemuxedResponse {
  head?: ResponseHead;
  bytes: Buffer;
  updates: Update[];
  closed: boolean;
}

/**
 * Opens a multiplexer with exact request bytes on a raw socket and demultiplexes what arrives: per response id,
 * its head, its Braid updates and whether it was closed.
 */
export async function openRawStream(port: number, request: Buffer) {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = Buffer.alloc(0);
  let headDone: ((v: { status: number; headers: Record<string, string> }) => void) | undefined;
  const head = new Promise<{ status: number; headers: Record<string, string> }>((resolve) => {
    headDone = resolve;
  });
  const responses = new Map<string, DemuxedResponse & { parser?: ReturnType<typeof createUpdateParser> }>();
  const get = (id: string) => {
    let r = responses.get(id);
    if (!r) responses.set(id, (r = { bytes: Buffer.alloc(0), updates: [], closed: false }));
    return r;
  };
  const mux = createMultiplexParser({
    // A response id can be reused once closed: a new start begins a new response.
    start: (id) => void responses.set(id, { bytes: Buffer.alloc(0), updates: [], closed: false }),
    data: (id, bytes) => {
      const r = get(id);
      if (r.head) return r.parser!.push(bytes);
      r.bytes = Buffer.concat([r.bytes, bytes]);
      const parsed = parseResponseHead(r.bytes);
      if (!parsed) return;
      r.head = parsed;
      r.parser = createUpdateParser((u) => r.updates.push(u));
      r.parser.push(r.bytes.subarray(parsed.length));
    },
    close: (id) => {
      get(id).closed = true;
    },
  });
  let inBody = false;
  socket.on('data', (data) => {
    if (inBody) return mux.push(data);
    buffer = Buffer.concat([buffer, data]);
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1))
      headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
    inBody = true;
    headDone?.({ status: Number(lines[0].split(' ')[1]), headers });
    mux.push(buffer.subarray(end + 4));
  });
  socket.write(request);
  const { status, headers } = await head;
  return {
    status,
    headers,
    /** Waits (up to 5 s) until `ready` holds for the responses seen so far. */
    async demuxed(ready: (r: Map<string, DemuxedResponse>) => boolean) {
      const deadline = Date.now() + 5000;
      while (!ready(responses)) {
        if (Date.now() > deadline) throw new Error('timed out waiting for multiplexed data');
        await new Promise((r) => setTimeout(r, 10));
      }
      return responses;
    },
    close: () => socket.destroy(),
  };
}

import { describe, expect, it } from 'vitest';
import { randomSplits as chunkSplits, prng as rng } from '../../test/parserHarness';
import { loadRecording, readHttpMessage } from '../../test/wireFixtures';
import { BraidProtocolError } from './errors';
import {
  createMultiplexParser,
  multiplexCloseFrame,
  multiplexDataHeader,
  multiplexStartFrame,
  parseResponseHead,
} from './multiplexFrames';
import { createUpdateParser } from './parseUpdateStream';
import type { Update } from './types';

const text = new TextDecoder();
const bytes = (s: string) => new TextEncoder().encode(s);

/** The recorded multiplexer stream (braid-http 1.4.7): the body of the POST /.well-known/multiplexer response. */
function recordedMuxStream(): Uint8Array {
  const rec = loadRecording('braid-http-1.4.7-multiplex.txt');
  const section = rec.sections.find((s) => s.title.startsWith('conn-1.c2s.bin RESPONSE'))!;
  return readHttpMessage(section.bytes, { dechunk: true }).body;
}

function demux(stream: Uint8Array, splits: Uint8Array[] = [stream]) {
  const events: string[] = [];
  const data = new Map<string, Uint8Array[]>();
  const parser = createMultiplexParser({
    start: (id) => events.push(`start ${id}`),
    data: (id, b) => {
      if (!data.has(id)) data.set(id, []);
      data.get(id)!.push(b);
    },
    close: (id) => events.push(`close ${id}`),
  });
  void stream;
  for (const piece of splits) parser.push(piece);
  const joined = new Map([...data].map(([id, parts]) => [id, Buffer.concat(parts)]));
  return { events, joined };
}

describe('multiplex framing (recorded braid-http 1.4.7 stream)', () => {
  it('demultiplexes the two recorded responses, each a whole HTTP response carrying Braid updates', () => {
    const stream = recordedMuxStream();
    const { events, joined } = demux(stream);
    expect(events).toEqual(['start gnFnvHpRYuQw', 'start piMf4sZP3iP7']);
    const doc = joined.get('gnFnvHpRYuQw')!;
    const head = parseResponseHead(doc)!;
    expect(head.status).toBe(209);
    expect(Object.fromEntries(head.headers.map(([k, v]) => [k.toLowerCase(), v]))).toMatchObject({
      subscribe: '?1',
    });
    const updates: Update[] = [];
    const parser = createUpdateParser((u) => updates.push(u));
    parser.push(doc.subarray(head.length));
    expect(updates.map((u) => u.version)).toEqual([['v0'], ['m1']]);
    expect(text.decode(updates[0].body)).toBe('{"title":"hello","messages":[{"text":"hi"}],"n":0}');
    expect(updates[1].patches!.map((p) => [p.range, text.decode(p.content)])).toEqual([['.n', '99']]);
    const textDoc = joined.get('piMf4sZP3iP7')!;
    const textHead = parseResponseHead(textDoc)!;
    const textUpdates: Update[] = [];
    createUpdateParser((u) => textUpdates.push(u)).push(textDoc.subarray(textHead.length));
    expect(text.decode(textUpdates[0].body)).toBe('Hello world');
  });

  it('gives the same bytes per response however the stream is split', () => {
    const stream = recordedMuxStream();
    const whole = demux(stream).joined;
    const r = rng(3);
    for (let i = 0; i < 100; i++) {
      const { joined, events } = demux(stream, chunkSplits(stream, r));
      expect(events).toHaveLength(2);
      for (const [id, b] of whole) expect(Buffer.compare(joined.get(id)!, b)).toBe(0);
    }
    const byteByByte = demux(
      stream,
      Array.from(stream, (b) => new Uint8Array([b])),
    );
    for (const [id, b] of whole) expect(Buffer.compare(byteByByte.joined.get(id)!, b)).toBe(0);
  });

  it('round-trips frames written with the frame helpers, including close', () => {
    const stream = bytes(
      `\r\n${multiplexStartFrame('a1')}${multiplexDataHeader('a1', 5)}hello${multiplexStartFrame('b2')}${multiplexDataHeader('b2', 0)}\r\n${multiplexDataHeader('a1', 3)}!!!${multiplexCloseFrame('a1')}`,
    );
    const { events, joined } = demux(stream);
    expect(events).toEqual(['start a1', 'start b2', 'close a1']);
    expect(text.decode(joined.get('a1'))).toBe('hello!!!');
  });

  it.each([
    'garbage\r\n',
    '12 bytes for request x\r\n',
    'start response bad/id\r\n',
    '-1 bytes for response a\r\n',
    `start response ${'x'.repeat(200)}\r\n`,
    'x'.repeat(300),
  ])('refuses %j', (frame) => {
    const parser = createMultiplexParser({ start() {}, data() {}, close() {} });
    expect(() => parser.push(bytes(frame))).toThrow(BraidProtocolError);
  });
});

describe('parseResponseHead', () => {
  it('waits for the blank line, then parses status and headers', () => {
    expect(parseResponseHead(bytes('HTTP/1.1 209 Multiresponse\r\nSubscribe: ?1\r\n'))).toBeUndefined();
    const head = parseResponseHead(
      bytes('HTTP/1.1 209 Multiresponse\r\nSubscribe: ?1\r\nVersion: "x"\r\n\r\nbody'),
    )!;
    expect(head).toMatchObject({
      status: 209,
      statusText: 'Multiresponse',
      headers: [
        ['Subscribe', '?1'],
        ['Version', '"x"'],
      ],
    });
    expect(head.length).toBe(59); // the body starts right after the blank line
  });
  it('refuses a bad status line', () => {
    expect(() => parseResponseHead(bytes('NOPE\r\n\r\n'))).toThrow(BraidProtocolError);
  });
});

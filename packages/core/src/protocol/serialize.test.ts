import { describe, expect, it } from 'vitest';
import { byteByByte, parseAll, prng, randomInt, randomSplits, viewPatch } from '../../test/parserHarness';
import {
  concatBytes,
  type HttpMessage,
  loadRecording,
  readHttpMessages,
  recordingNames,
  subscriptionBodies,
} from '../../test/wireFixtures';
import { BraidProtocolError } from './errors';
import { parsePatchesBody, serializeUpdate, serializeWrite, type UpdateInput } from './serialize';
import type { Update } from './types';

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);

describe('serializeUpdate matches the reference server byte for byte', () => {
  it.each(['braid-http-1.3.80-curl-subscribe.txt', 'braid-http-1.3.80-client-subscribe.txt'])(
    '%s: parse then serialize gives back the recorded body',
    (file) => {
      for (const { body } of subscriptionBodies(loadRecording(file))) {
        const again = concatBytes(parseAll([body]).map(serializeUpdate));
        expect(text(again)).toBe(text(body));
      }
    },
  );

  it('braid-http-1.4.7-curl-subscribe.txt: the same, given its header capitalisation', () => {
    const capitalise = (name: string) => name.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase());
    const [{ body }] = subscriptionBodies(loadRecording('braid-http-1.4.7-curl-subscribe.txt'));
    const again = parseAll([body]).map((u) =>
      serializeUpdate({
        ...u,
        headers: Object.fromEntries(Object.entries(u.headers).map(([k, v]) => [capitalise(k), v])),
      }),
    );
    expect(text(concatBytes(again))).toBe(text(body));
  });
});

describe('serializeUpdate', () => {
  it('writes a snapshot: status line, Version, Parents, headers, Content-Length, body, blank line', () => {
    const out = serializeUpdate({
      version: ['v2'],
      parents: ['v1', 'é'],
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":"☃"}',
    });
    expect(text(out)).toBe(
      'HTTP 200 OK\r\nVersion: "v2"\r\nParents: "v1", "\\u00e9"\r\nContent-Type: application/json\r\n' +
        'Content-Length: 11\r\n\r\n{"a":"☃"}\r\n\r\n',
    );
  });

  it('writes patches with Patches: N and no update-level Content-Length', () => {
    const out = text(
      serializeUpdate({
        version: ['v3'],
        patches: [
          { range: '.a', content: '1' },
          { unit: 'text', range: '', content: enc.encode('xy'), headers: { 'X-P': 'q' } },
        ],
      }),
    );
    expect(out).toBe(
      'HTTP 200 OK\r\nVersion: "v3"\r\nPatches: 2\r\n\r\n' +
        'Content-Length: 1\r\nContent-Range: json .a\r\n\r\n1\r\n\r\n' +
        'Content-Length: 2\r\nContent-Range: text\r\nX-P: q\r\n\r\nxy\r\n\r\n',
    );
    expect(out.split('\r\n\r\n')[0]).not.toMatch(/content-length/i);
  });

  it('writes Patches: 0, an empty snapshot, and the given status', () => {
    expect(text(serializeUpdate({ version: ['z'], patches: [] }))).toBe(
      'HTTP 200 OK\r\nVersion: "z"\r\nPatches: 0\r\n\r\n',
    );
    expect(text(serializeUpdate({ status: 404 }))).toBe(
      'HTTP 404 Not Found\r\nContent-Length: 0\r\n\r\n\r\n\r\n',
    );
    expect(text(serializeUpdate({ status: 299, body: '' }))).toMatch(/^HTTP 299 Unknown\r\n/);
  });

  it.each<[string, UpdateInput]>([
    ['both body and patches', { body: 'x', patches: [] }],
    ['a framing header as an extra header', { headers: { 'content-length': '3' }, body: 'x' }],
    ['Patches as an extra header', { headers: { Patches: '3' }, body: 'x' }],
    ['a header value with CRLF', { headers: { 'X-A': 'a\r\nVersion: "evil"' }, body: 'x' }],
    ['a bad header name', { headers: { 'X A': 'a' }, body: 'x' }],
    ['a range with a line break', { patches: [{ range: '.a\r\nX: y', content: '1' }] }],
    ['a bad unit', { patches: [{ unit: 'js on', range: '.a', content: '1' }] }],
    ['a bad status', { status: 99, body: 'x' }],
  ])('refuses %s', (_name, update) => {
    expect(() => serializeUpdate(update)).toThrow(TypeError);
  });

  it('returns exactly-sized bytes for string contents (surrogate pairs, lone surrogates)', () => {
    const body = 'a😀\ud800b☃é';
    const out = serializeUpdate({ body });
    const [u] = parseAll([out]);
    expect(text(u.body!)).toBe('a😀\ufffdb☃é');
    const n = enc.encode(body).length; // TextEncoder's own count: no slack bytes, right Content-Length
    expect(Array.from(out)).toEqual(
      Array.from(enc.encode(`HTTP 200 OK\r\nContent-Length: ${n}\r\n\r\n${body}\r\n\r\n`)),
    );
  });
});

/** A generated update and what parsing it back must give. */
interface Generated {
  input: UpdateInput;
  expected: ReturnType<typeof normalize>;
}

function normalize(u: UpdateInput) {
  const lower = (h: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const bytes = (c: Uint8Array | string) => Array.from(typeof c === 'string' ? enc.encode(c) : c);
  return {
    status: u.status ?? 200,
    version: u.version ?? [],
    parents: u.parents ?? [],
    headers: lower(u.headers),
    body: u.patches ? undefined : bytes(u.body ?? ''),
    patches: u.patches?.map((p) => ({
      unit: p.unit ?? 'json',
      range: p.range,
      content: bytes(p.content),
      headers: lower(p.headers),
    })),
  };
}

function normalizeParsed(u: Update) {
  return {
    status: u.status,
    version: u.version,
    parents: u.parents,
    headers: u.headers,
    body: u.body && Array.from(u.body),
    patches: u.patches?.map((p) => ({ ...p, content: Array.from(p.content) })),
  };
}

function generator(seed: number) {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[randomInt(rand, 0, xs.length - 1)];
  const ID_CHARS = [
    'a',
    'Z',
    '7',
    '-',
    '"',
    '\\',
    ',',
    ' ',
    'é',
    '☃',
    '😀',
    '\n',
    '\t',
    '\u0000',
    '\u007f',
    '\ud800',
  ];
  const TEXT_CHARS = ['a', 'b', ' ', '\r\n', '\r', '\n', ':', '"', 'é', '☃', '😀', 'HTTP 200 OK', '\r\n\r\n'];
  const VALUE_CHARS = ['a', 'B', '9', ' ', ':', ';', '=', '"', ',', 'é', '☃', '\t'];
  const RANGES = ['', '.a', '.messages[0:0]', '["k e y"]', '[-0:-0]', '.é☃', 'a b  c', '[3]', '.a.b[1:4]'];
  const str = (chars: readonly string[], max: number) =>
    Array.from({ length: randomInt(rand, 0, max) }, () => pick(chars)).join('');
  const headerValue = () => str(VALUE_CHARS, 12).replace(/^[ \t]+|[ \t]+$/g, '');
  const headers = (max: number) => {
    const h: Record<string, string> = {};
    const n = randomInt(rand, 0, max);
    for (let i = 0; i < n; i++) {
      const name = `X-${str(['a', 'B', '1', '-', '_', '.'], 6)}${i}`;
      h[rand() < 0.5 ? name : name.toLowerCase()] = headerValue();
    }
    return h;
  };
  const content = (): Uint8Array | string => {
    if (rand() < 0.5) return str(TEXT_CHARS, 30);
    return Uint8Array.from({ length: randomInt(rand, 0, 300) }, () => randomInt(rand, 0, 255));
  };
  const ids = () => Array.from({ length: randomInt(rand, 0, 3) }, () => str(ID_CHARS, 8));

  return (): Generated => {
    const input: UpdateInput = { version: ids(), parents: ids(), headers: headers(3) };
    if (rand() < 0.5) input.status = pick([200, 206, 404, 500, 299]);
    if (rand() < 0.35) input.body = content();
    else if (rand() < 0.95) {
      input.patches = Array.from({ length: randomInt(rand, 0, 5) }, () => ({
        unit: rand() < 0.3 ? undefined : pick(['json', 'text', 'bytes', 'x-unit']),
        range: rand() < 0.7 ? pick(RANGES) : headerValue().trim(),
        content: content(),
        headers: rand() < 0.5 ? undefined : headers(2),
      }));
    }
    return { input, expected: normalize(input) };
  };
}

describe('serializeUpdate → createUpdateParser round trip', () => {
  const next = generator(77);
  const updates = Array.from({ length: 500 }, next);
  const rand = prng(78);
  // Heartbeat blank lines between some updates.
  const stream = concatBytes(
    updates.flatMap(({ input }) => [
      serializeUpdate(input),
      enc.encode(rand() < 0.3 ? '\r\n'.repeat(3) : ''),
    ]),
  );
  const expected = updates.map((u) => u.expected);

  it('gives back 500 generated updates fed all at once', () => {
    expect(parseAll([stream]).map(normalizeParsed)).toEqual(expected);
  });

  it('gives back the same in random splits (seed 79)', () => {
    const splits = prng(79);
    for (let i = 0; i < 10; i++)
      expect(parseAll(randomSplits(stream, splits)).map(normalizeParsed)).toEqual(expected);
  });

  it('gives back each update fed byte by byte', () => {
    for (const u of updates.slice(0, 100)) {
      expect(parseAll(byteByByte(serializeUpdate(u.input))).map(normalizeParsed)).toEqual([u.expected]);
    }
  });
});

/** Every request recorded in the .txt files (curl's and braid-http's own clients). */
function recordedRequests(): { file: string; request: HttpMessage }[] {
  const out: { file: string; request: HttpMessage }[] = [];
  for (const file of recordingNames()) {
    if (file.includes('multiplex')) continue;
    for (const section of loadRecording(file).sections) {
      if (!/REQUEST|c2s/.test(section.title)) continue;
      for (const request of readHttpMessages(section.bytes)) out.push({ file, request });
    }
  }
  return out;
}

const json = (range: string, content: string) => ({ unit: 'json', range, content, headers: {} });

describe('parsePatchesBody on the recorded write requests', () => {
  const withPatches = recordedRequests().filter((r) => r.request.headers.patches !== undefined);

  it('finds the four recorded Patches: 2 requests', () => {
    expect(withPatches.map((r) => r.file)).toEqual([
      'braid-http-1.3.80-client-requests.txt',
      'braid-http-1.3.80-curl-writes.txt',
      'braid-http-1.4.7-client-requests.txt',
      'braid-http-1.4.7-curl-writes.txt',
    ]);
  });

  it.each(withPatches.map((r) => [r.file, r.request] as const))('%s', (file, request) => {
    const patches = parsePatchesBody(request.body, Number(request.headers.patches)).map(viewPatch);
    if (file.includes('curl')) {
      expect(patches).toEqual([json('.messages[0:0]', '[{"text":"yo!"}]'), json('.title', '"title"')]);
    } else {
      expect(patches).toEqual([
        json('.messages[0:0]', '[{"text":"héllo ☃"}]'),
        json('.title', '"two patches"'),
      ]);
    }
  });

  it('1.3.80 writes patch headers in lower case, 1.4.7 capitalised: both are read', () => {
    const bodies = withPatches.filter((r) => r.file.includes('client')).map((r) => text(r.request.body));
    expect(bodies[0]).toMatch(/^content-length: 23\r\ncontent-range: /);
    expect(bodies[1]).toMatch(/^Content-Length: 23\r\nContent-Range: /);
  });

  it('serializeWrite reproduces the 1.4.7 client request exactly', () => {
    const recorded = withPatches.find((r) => r.file === 'braid-http-1.4.7-client-requests.txt')!.request;
    const write = serializeWrite({
      version: ['b3'],
      parents: ['b2'],
      patches: [
        { unit: 'json', range: '.messages[0:0]', content: '[{"text":"héllo ☃"}]' },
        { unit: 'json', range: '.title', content: '"two patches"' },
      ],
    });
    expect(text(write.body)).toBe(text(recorded.body));
    expect(write.headers).toEqual({
      Version: recorded.headers.version,
      Parents: recorded.headers.parents,
      Patches: '2',
      'Content-Type': recorded.headers['content-type'],
    });
  });
});

describe('parsePatchesBody', () => {
  const P1 = 'Content-Length: 1\r\nContent-Range: json .a\r\n\r\n1';
  const P2 = 'content-length: 2\ncontent-range: json .b\nX-Extra: e\n\n22';

  it('allows blank lines between patches and trailing CRLFs, and reads extra patch headers', () => {
    expect(parsePatchesBody(enc.encode(`\r\n${P1}\r\n\r\n\n${P2}\r\n\r\n\r\n`), 2).map(viewPatch)).toEqual([
      json('.a', '1'),
      { unit: 'json', range: '.b', content: '22', headers: { 'x-extra': 'e' } },
    ]);
    expect(parsePatchesBody(enc.encode(`${P1}${P2}`), 2)).toHaveLength(2);
    expect(parsePatchesBody(new Uint8Array(0), 0)).toEqual([]);
    expect(parsePatchesBody(enc.encode('\r\n'), 0)).toEqual([]);
  });

  it('returns views on the body, not copies', () => {
    const body = enc.encode(P1);
    const [p] = parsePatchesBody(body, 1);
    expect(p.content.buffer).toBe(body.buffer);
  });

  it.each([
    ['fewer patches than the count', `${P1}\r\n`, 2, /after 1 of 2 patches/],
    ['no patches at all', '', 1, /after 0 of 1 patches/],
    ['a patch without Content-Length', 'Content-Range: json .a\r\n\r\n1', 1, /no Content-Length/],
    ['a patch without Content-Range', 'Content-Length: 1\r\n\r\n1', 1, /no Content-Range/],
    [
      'truncated content',
      'Content-Length: 5\r\nContent-Range: json .a\r\n\r\n12',
      1,
      /content \(2 of 5 bytes\)/,
    ],
    ['truncated headers', 'Content-Length: 5\r\nContent-Ran', 1, /headers/],
    ['trailing garbage', `${P1}\r\ngarbage`, 1, /after the last patch/],
    ['a second patch beyond the count', `${P1}\r\n${P1}`, 1, /after the last patch/],
    ['bytes with a count of 0', P1, 0, /after the last patch/],
    ['a header without a colon', 'Content-Length 1\r\n\r\n1', 1, /without a colon/],
    ['a bad Content-Length', 'Content-Length: -1\r\nContent-Range: json .a\r\n\r\n1', 1, /Content-Length/],
    ['a negative count', '', -1, /count/],
    ['a fractional count', '', 1.5, /count/],
    ['a count over the limit', '', 10_001, /count/],
  ])('refuses %s with bad-patches', (_name, body, count, message) => {
    let error: unknown;
    try {
      parsePatchesBody(enc.encode(body), count);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BraidProtocolError);
    expect((error as BraidProtocolError).code).toBe('bad-patches');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/\n/);
  });

  it('refuses a malformed patch Content-Range with bad-range', () => {
    expect(() => parsePatchesBody(enc.encode('Content-Length: 1\r\nContent-Range: \r\n\r\n1'), 1)).toThrow(
      expect.objectContaining({ code: 'bad-range' }),
    );
  });
});

describe('serializeWrite', () => {
  it('sends a snapshot as application/json', () => {
    const w = serializeWrite({ version: ['v1'], parents: ['v0'], body: '{"a":1}' });
    expect(w.headers).toEqual({ Version: '"v1"', Parents: '"v0"', 'Content-Type': 'application/json' });
    expect(text(w.body)).toBe('{"a":1}');
  });

  it('keeps a given Content-Type and extra headers, and omits empty Parents', () => {
    const w = serializeWrite({
      version: ['é'],
      parents: [],
      body: 'x',
      headers: { 'content-type': 'text/plain', Peer: 'p' },
    });
    expect(w.headers).toEqual({ Version: '"\\u00e9"', 'content-type': 'text/plain', Peer: 'p' });
  });

  it('inlines one patch as Content-Range, like the reference clients', () => {
    const w = serializeWrite({
      version: ['v2'],
      parents: ['v1'],
      patches: [{ unit: 'json', range: '.n', content: '13' }],
    });
    expect(w.headers).toEqual({ Version: '"v2"', Parents: '"v1"', 'Content-Range': 'json .n' });
    expect(text(w.body)).toBe('13');
  });

  it('frames one patch as Patches: 1 when its range is not ASCII or it has headers', () => {
    for (const patch of [
      { range: '.é', content: '1' },
      { range: '.a', content: '1', headers: { 'X-P': 'q' } },
    ]) {
      const w = serializeWrite({ version: ['v'], patches: [patch] });
      expect(w.headers.Patches).toBe('1');
      expect(w.headers['Content-Range']).toBeUndefined();
      expect(parsePatchesBody(w.body, 1).map(viewPatch)).toEqual([
        { unit: 'json', range: patch.range, content: '1', headers: patch.headers ? { 'x-p': 'q' } : {} },
      ]);
    }
  });

  it('sends Patches: 0 with an empty body', () => {
    const w = serializeWrite({ version: ['v'], patches: [] });
    expect(w.headers.Patches).toBe('0');
    expect(w.body.length).toBe(0);
    expect(parsePatchesBody(w.body, 0)).toEqual([]);
  });

  it('never returns Content-Length, and its framed patches parse back (generated writes)', () => {
    const next = generator(91);
    for (let i = 0; i < 200; i++) {
      const { input, expected } = next();
      if (!input.patches) continue;
      const w = serializeWrite({ version: input.version, parents: input.parents, patches: input.patches });
      expect(Object.keys(w.headers).map((k) => k.toLowerCase())).not.toContain('content-length');
      if (w.headers.Patches !== undefined) {
        expect(Number(w.headers.Patches)).toBe(input.patches.length);
        const parsed = parsePatchesBody(w.body, input.patches.length);
        expect(parsed.map((p) => ({ ...p, content: Array.from(p.content) }))).toEqual(expected.patches);
      } else {
        expect(input.patches).toHaveLength(1);
        expect(w.headers['Content-Range']).toBe(
          expected.patches![0].range
            ? `${expected.patches![0].unit} ${expected.patches![0].range}`
            : expected.patches![0].unit,
        );
        expect(Array.from(w.body)).toEqual(expected.patches![0].content);
      }
    }
  });

  it('refuses a write with both body and patches, or neither, or framing headers', () => {
    expect(() => serializeWrite({ body: 'x', patches: [] })).toThrow(TypeError);
    expect(() => serializeWrite({})).toThrow(TypeError);
    expect(() => serializeWrite({ body: 'x', headers: { Version: '"x"' } })).toThrow(TypeError);
  });
});

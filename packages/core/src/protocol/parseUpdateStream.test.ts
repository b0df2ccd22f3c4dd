import { describe, expect, it } from 'vitest';
import { byteByByte, parseAll, prng, randomSplits, type UpdateView, view } from '../../test/parserHarness';
import { loadRecording, readHttpMessage, readRaw, subscriptionBodies } from '../../test/wireFixtures';
import { createUpdateParser } from './parseUpdateStream';
import type { Update } from './types';

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

// What the recordings hold (see fixtures/braid-wire/README.md).
const DOC_V0 = '{"title":"hello","messages":[{"text":"hi"}],"n":0}';
const DOC_C1 = '{"title":"snap","messages":[],"n":1}';
const DOC_C4 = '{"title":"title","messages":[{"text":"yo!"},{"text":"appended"}],"n":2}';
const DOC_B1 = '{"title":"from client","messages":[],"n":10}';
const json = (range: string, content: string) => ({ unit: 'json', range, content, headers: {} });

type Kind = 'snapshot' | number;
const headers1380 = (_: Kind) => ({ 'content-type': 'application/json' });
const headers147 = (k: Kind) => ({
  'repr-type': 'application/json',
  'content-type': k === 'snapshot' ? 'application/json' : `application/http-patches; count=${k}`,
});

function curlUpdates(h: (k: Kind) => Record<string, string>): UpdateView[] {
  return [
    { status: 200, version: ['v0'], parents: [], headers: h('snapshot'), body: DOC_V0 },
    { status: 200, version: ['c1'], parents: ['v0'], headers: h('snapshot'), body: DOC_C1 },
    { status: 200, version: ['c2'], parents: ['c1'], headers: h(1), patches: [json('.n', '2')] },
    {
      status: 200,
      version: ['c3'],
      parents: ['c2'],
      headers: h(2),
      patches: [json('.messages[0:0]', '[{"text":"yo!"}]'), json('.title', '"title"')],
    },
    {
      status: 200,
      version: ['c4'],
      parents: ['c3'],
      headers: h(1),
      patches: [json('.messages[-0:-0]', '[{"text":"appended"}]')],
    },
  ];
}

function clientUpdates(h: (k: Kind) => Record<string, string>): UpdateView[] {
  return [
    { status: 200, version: ['v0'], parents: [], headers: h('snapshot'), body: DOC_V0 },
    { status: 200, version: ['b1'], parents: ['v0'], headers: h('snapshot'), body: DOC_B1 },
    { status: 200, version: ['b2'], parents: ['b1'], headers: h(1), patches: [json('.n', '11')] },
    {
      status: 200,
      version: ['b3'],
      parents: ['b2'],
      headers: h(2),
      patches: [json('.messages[0:0]', '[{"text":"héllo ☃"}]'), json('.title', '"two patches"')],
    },
    { status: 200, version: ['b4'], parents: ['b3'], headers: h(1), patches: [json('.n', '12')] },
    { status: 200, version: ['é-5'], parents: ['b4'], headers: h(1), patches: [json('.n', '13')] },
  ];
}

interface Case {
  name: string;
  body: Uint8Array;
  expected: UpdateView[];
}

/** Every recorded subscription body, with the updates it must parse to. */
function recordedCases(): Case[] {
  const cases: Case[] = [];
  const add = (file: string, expected: UpdateView[][]) => {
    const bodies = subscriptionBodies(loadRecording(file));
    expect(bodies.length).toBe(expected.length);
    for (const [i, b] of bodies.entries()) {
      cases.push({ name: `${file} / ${b.title}`, body: b.body, expected: expected[i] });
    }
  };
  for (const [dialect, h] of [
    ['1.3.80', headers1380],
    ['1.4.7', headers147],
  ] as const) {
    add(`braid-http-${dialect}-curl-subscribe.txt`, [curlUpdates(h), curlUpdates(h)]);
    add(`braid-http-${dialect}-curl-resume-heartbeats-get.txt`, [
      curlUpdates(h).slice(3),
      [{ status: 200, version: ['c4'], parents: [], headers: h('snapshot'), body: DOC_C4 }],
    ]);
    add(`braid-http-${dialect}-client-subscribe.txt`, [clientUpdates(h)]);
    const raw = readHttpMessage(readRaw(`subscribe-${dialect}.s2c.bin`), { dechunk: true });
    expect(raw.startLine).toMatch(/^HTTP\/1.1 209 /);
    cases.push({ name: `raw/subscribe-${dialect}.s2c.bin`, body: raw.body, expected: curlUpdates(h) });
  }
  return cases;
}

const CASES = recordedCases();

describe('createUpdateParser on the recorded subscriptions', () => {
  it('covers every recorded subscription body', () => {
    expect(CASES.length).toBe(12);
  });

  describe.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, index) => {
    it('fed all at once', () => {
      expect(parseAll([c.body]).map(view)).toEqual(c.expected);
    });

    it('fed byte by byte', () => {
      expect(parseAll(byteByByte(c.body)).map(view)).toEqual(c.expected);
    });

    it(`fed in 200 random splits (seed ${1000 + index})`, () => {
      const rand = prng(1000 + index);
      for (let i = 0; i < 200; i++) {
        expect(parseAll(randomSplits(c.body, rand)).map(view)).toEqual(c.expected);
      }
    });

    it('with bare LF line endings', () => {
      // The recorded bodies contain no CR, so only the framing changes.
      const lf = bytes(new TextDecoder().decode(c.body).replaceAll('\r\n', '\n'));
      expect(parseAll([lf]).map(view)).toEqual(c.expected);
      expect(parseAll(byteByByte(lf)).map(view)).toEqual(c.expected);
    });
  });
});

function parse(text: string | Uint8Array): UpdateView[] {
  return parseAll([typeof text === 'string' ? bytes(text) : text]).map(view);
}

describe('createUpdateParser framing', () => {
  it('inlines a single patch given by update-level Content-Range + Content-Length', () => {
    expect(parse('Version: "x"\r\nContent-Range: json .a\r\nContent-Length: 2\r\n\r\n42\r\n\r\n')).toEqual([
      { version: ['x'], parents: [], headers: {}, patches: [json('.a', '42')] },
    ]);
  });

  it('reads Patches: 0 as an empty patch list', () => {
    expect(
      parse('Version: "x"\r\nParents: "w"\r\nPatches: 0\r\n\r\nVersion: "y"\r\nPatches: 0\r\n\r\n'),
    ).toEqual([
      { version: ['x'], parents: ['w'], headers: {}, patches: [] },
      { version: ['y'], parents: [], headers: {}, patches: [] },
    ]);
  });

  it('reads an update with Content-Length only as a snapshot, and a zero-length one', () => {
    expect(parse('Content-Length: 3\r\n\r\nabcContent-Length: 0\r\n\r\n')).toEqual([
      { version: [], parents: [], headers: {}, body: 'abc' },
      { version: [], parents: [], headers: {}, body: '' },
    ]);
  });

  it.each([
    ['HTTP 200 OK', 200],
    ['HTTP/1.1 200 OK', 200],
    ['HTTP/1.1 404 Not Found', 404],
    ['HTTP/2 206', 206],
    ['HTTP 200 whatever reason', 200],
  ])('takes the status from %j', (line, status) => {
    expect(parse(`${line}\r\nContent-Length: 1\r\n\r\nx`)[0].status).toBe(status);
  });

  it('leaves status unset without a status line', () => {
    expect(parse('Content-Length: 1\r\n\r\nx')[0]).not.toHaveProperty('status');
  });

  it('keeps non-framing headers lower-cased, joins repeats, and drops framing headers', () => {
    const [u] = parse(
      'HTTP 200 OK\r\nVERSION: "v"\r\nparents: "p1", "p2"\r\nMerge-Type: sync9\r\nX-A:  1 \r\nx-a: 2\r\n' +
        'Current-Version: "v"\r\n__proto__: p\r\nconstructor: c\r\nPatches: 1\r\n\r\n' +
        'content-length: 1\r\nCONTENT-RANGE: json .a\r\nContent-Type: application/json\r\nX-Patch: y\r\n\r\n1\r\n\r\n',
    );
    expect(u.version).toEqual(['v']);
    expect(u.parents).toEqual(['p1', 'p2']);
    expect(u.headers).toEqual({
      'merge-type': 'sync9',
      'x-a': '1, 2',
      'current-version': '"v"',
      ['__proto__']: 'p', // an own key, not the prototype
      constructor: 'c',
    });
    expect(Object.getPrototypeOf(u.headers)).toBe(Object.prototype);
    expect(u.patches).toEqual([
      {
        unit: 'json',
        range: '.a',
        content: '1',
        headers: { 'content-type': 'application/json', 'x-patch': 'y' },
      },
    ]);
  });

  it('skips any number of blank lines (CRLF or LF) between updates and between patches', () => {
    const text =
      '\r\n\n\r\n' +
      'Version: "a"\nPatches: 2\n\n\r\n\n' +
      'Content-Length: 1\r\nContent-Range: json .x\r\n\r\n1' +
      '\r\n\r\n\n\n\r\n' +
      'Content-Length: 1\nContent-Range: json .y\n\n2' +
      '\r\n\r\n\r\n\r\n\r\n\r\n';
    expect(parse(text)).toEqual([
      { version: ['a'], parents: [], headers: {}, patches: [json('.x', '1'), json('.y', '2')] },
    ]);
  });

  it('takes content bytes verbatim: CRLFs, NULs, bytes that look like headers', () => {
    const content = new Uint8Array([0, 13, 10, 13, 10, 255, 0x48, 0x54, 0x54, 0x50, 10, 13]);
    const head = bytes(`Version: "b"\r\nContent-Length: ${content.length}\r\n\r\n`);
    const all = new Uint8Array([...head, ...content, ...bytes('\r\n\r\nVersion: "c"\r\nPatches: 0\r\n\r\n')]);
    const updates: Update[] = [];
    const p = createUpdateParser((u) => updates.push(u));
    p.push(all);
    p.end();
    expect(updates.map((u) => u.version)).toEqual([['b'], ['c']]);
    expect(Array.from(updates[0].body!)).toEqual(Array.from(content));
  });

  it('delivers each update synchronously from the push that completes it', () => {
    const seen: string[] = [];
    const p = createUpdateParser((u) => seen.push(u.version[0]));
    p.push(bytes('Version: "1"\r\nContent-Length: 2\r\n\r\nab\r\n\r\nVersion: "2"\r\nContent-Len'));
    expect(seen).toEqual(['1']);
    p.push(bytes('gth: 2\r\n\r\na'));
    expect(seen).toEqual(['1']);
    p.push(bytes('b'));
    expect(seen).toEqual(['1', '2']);
    p.push(bytes('\r\n\r\n'));
    p.end();
  });

  it('end() accepts a stream that stops between updates or after heartbeats only', () => {
    const p = createUpdateParser(() => {});
    p.push(bytes('\r\n\r\n\n'));
    p.end();
    const q = createUpdateParser(() => {});
    q.end();
  });

  it('keeps earlier bodies intact while later pushes reuse and grow the buffer', () => {
    const updates: Update[] = [];
    const p = createUpdateParser((u) => updates.push(u));
    const rand = prng(42);
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      const body = String(i).repeat(1 + Math.floor(rand() * 700));
      expected.push(body);
      const msg = bytes(`Version: "${i}"\r\nContent-Length: ${body.length}\r\n\r\n${body}\r\n\r\n`);
      for (const piece of randomSplits(msg, rand)) p.push(piece.slice());
    }
    p.end();
    expect(updates.map((u) => new TextDecoder().decode(u.body))).toEqual(expected);
  });

  it('takes a big body arriving in many small pushes in linear time', () => {
    const size = 16 * 1024 * 1024;
    const head = bytes(`Version: "big"\r\nContent-Length: ${size}\r\n\r\n`);
    const chunk = new Uint8Array(1024).fill(0x61);
    const updates: Update[] = [];
    const p = createUpdateParser((u) => updates.push(u));
    p.push(head);
    for (let sent = 0; sent < size; sent += chunk.length) p.push(chunk); // quadratic copying would time out
    p.push(bytes('\r\n\r\n'));
    p.end();
    expect(updates).toHaveLength(1);
    expect(updates[0].body!.length).toBe(size);
    expect(updates[0].body![size - 1]).toBe(0x61);
  });

  it('handles a header line split across many pushes', () => {
    const value = 'v'.repeat(20_000);
    const text = `Version: "${value}"\r\nContent-Length: 1\r\n\r\nx`;
    expect(parseAll(byteByByte(bytes(text))).map(view)).toEqual([
      { version: [value], parents: [], headers: {}, body: 'x' },
    ]);
  });
});

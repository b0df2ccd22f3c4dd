import { describe, expect, it } from 'vitest';
import { byteByByte, prng, randomInt, randomSplits } from '../../test/parserHarness';
import { concatBytes, loadRecording, subscriptionBodies } from '../../test/wireFixtures';
import { BraidProtocolError } from './errors';
import { createUpdateParser, MAX_HEADER_BLOCK_BYTES } from './parseUpdateStream';
import { serializeUpdate } from './serialize';
import type { Update } from './types';

const enc = new TextEncoder();
const GOOD_BEFORE = 'HTTP 200 OK\r\nVersion: "before"\r\nContent-Length: 2\r\n\r\nok\r\n\r\n';
const GOOD_AFTER = '\r\n\r\nHTTP 200 OK\r\nVersion: "after"\r\nContent-Length: 2\r\n\r\nok\r\n\r\n';

interface Outcome {
  versions: string[][];
  error: unknown;
  /** Whether the error came from end() rather than push(). */
  atEnd: boolean;
}

/** Feeds pieces then end(); stops at the first error; checks that a dead parser stays dead. */
function run(pieces: readonly Uint8Array[], maxBodyBytes?: number): Outcome {
  const versions: string[][] = [];
  const parser = createUpdateParser((u: Update) => versions.push(u.version), { maxBodyBytes });
  let error: unknown;
  let atEnd = false;
  try {
    for (const piece of pieces) parser.push(piece);
    atEnd = true;
    parser.end();
  } catch (e) {
    error = e;
  }
  if (error) {
    const seen = versions.length;
    expect(() => parser.push(enc.encode(GOOD_AFTER))).toThrow(BraidProtocolError);
    expect(() => parser.end()).toThrow(BraidProtocolError);
    expect(versions.length).toBe(seen);
  }
  return { versions, error, atEnd };
}

// Each case is placed between a good update before and a good update after: the error must come after the
// first is delivered and before the second ever is.
const MALFORMED: [string, string, string, 'push' | 'end'][] = [
  ['header line without a colon', 'Version "x"\r\nContent-Length: 1\r\n\r\nx', 'bad-framing', 'push'],
  ['header name with a space', 'Content Length: 1\r\n\r\nx', 'bad-framing', 'push'],
  ['empty header name', ': x\r\nContent-Length: 1\r\n\r\nx', 'bad-framing', 'push'],
  ['folded header line', 'Version: "x"\r\n  "y"\r\nContent-Length: 1\r\n\r\nx', 'bad-framing', 'push'],
  [
    'a status line not first',
    'Version: "x"\r\nHTTP 200 OK\r\nContent-Length: 1\r\n\r\nx',
    'bad-framing',
    'push',
  ],
  ['non-numeric Content-Length', 'Content-Length: abc\r\n\r\nx', 'bad-framing', 'push'],
  ['negative Content-Length', 'Content-Length: -1\r\n\r\nx', 'bad-framing', 'push'],
  ['fractional Content-Length', 'Content-Length: 1.5\r\n\r\nx', 'bad-framing', 'push'],
  ['hex Content-Length', 'Content-Length: 0x10\r\n\r\nx', 'bad-framing', 'push'],
  ['exponent Content-Length', 'Content-Length: 1e3\r\n\r\nx', 'bad-framing', 'push'],
  ['empty Content-Length', 'Content-Length:\r\n\r\nx', 'bad-framing', 'push'],
  ['two numbers in Content-Length', 'Content-Length: 1 2\r\n\r\nx', 'bad-framing', 'push'],
  ['huge Content-Length', 'Content-Length: 99999999999999999999\r\n\r\nx', 'bad-framing', 'push'],
  ['Content-Length over the limit', `Content-Length: ${2 ** 30 + 1}\r\n\r\nx`, 'bad-framing', 'push'],
  ['duplicate Content-Length', 'Content-Length: 1\r\nContent-Length: 1\r\n\r\nx', 'bad-framing', 'push'],
  ['neither Content-Length nor Patches', 'Version: "x"\r\nContent-Type: a/b\r\n\r\n', 'bad-framing', 'push'],
  ['status line only', 'HTTP 200 OK\r\n\r\n', 'bad-framing', 'push'],
  ['Patches with Content-Length', 'Patches: 1\r\nContent-Length: 30\r\n\r\n', 'bad-framing', 'push'],
  ['Patches with Content-Range', 'Patches: 0\r\nContent-Range: json .a\r\n\r\n', 'bad-framing', 'push'],
  ['non-numeric Patches', 'Patches: two\r\n\r\n', 'bad-framing', 'push'],
  ['negative Patches', 'Patches: -1\r\n\r\n', 'bad-framing', 'push'],
  ['too many Patches', 'Patches: 10001\r\n\r\n', 'bad-framing', 'push'],
  [
    'patch without Content-Length',
    'Patches: 1\r\n\r\nContent-Range: json .a\r\n\r\n1',
    'bad-framing',
    'push',
  ],
  ['patch without Content-Range', 'Patches: 1\r\n\r\nContent-Length: 1\r\n\r\n1', 'bad-framing', 'push'],
  [
    'patch with a bad Content-Length',
    'Patches: 1\r\n\r\nContent-Length: x\r\nContent-Range: json .a\r\n\r\n1',
    'bad-framing',
    'push',
  ],
  ['patch header without a colon', 'Patches: 1\r\n\r\nContent-Length 1\r\n\r\n1', 'bad-framing', 'push'],
  ['bad Version', 'Version: alice\r\nContent-Length: 1\r\n\r\nx', 'bad-version', 'push'],
  ['bad Version list', 'Version: "a",\r\nContent-Length: 1\r\n\r\nx', 'bad-version', 'push'],
  ['non-string Parents', 'Parents: 1\r\nContent-Length: 1\r\n\r\nx', 'bad-version', 'push'],
  ['array Parents', 'Parents: ["a"]\r\nContent-Length: 1\r\n\r\nx', 'bad-version', 'push'],
  ['duplicate Version', 'Version: "a"\r\nVersion: "b"\r\nContent-Length: 1\r\n\r\nx', 'bad-framing', 'push'],
  ['bad inline Content-Range', 'Content-Range: @ .a\r\nContent-Length: 1\r\n\r\nx', 'bad-range', 'push'],
  [
    'empty patch Content-Range',
    'Patches: 1\r\n\r\nContent-Length: 1\r\nContent-Range:\r\n\r\n1',
    'bad-range',
    'push',
  ],
];

const TRUNCATED: [string, string][] = [
  ['inside the headers', 'HTTP 200 OK\r\nVersion: "x"\r\nContent-Len'],
  ['before the blank line', 'Version: "x"\r\nContent-Length: 5\r\n'],
  ['inside a body', 'Version: "x"\r\nContent-Length: 5\r\n\r\nabc'],
  [
    'Patches: 2 with one patch',
    'Patches: 2\r\n\r\nContent-Length: 1\r\nContent-Range: json .a\r\n\r\n1\r\n\r\n',
  ],
  ['inside a patch header', 'Patches: 1\r\n\r\nContent-Length: 1\r\nContent-Ra'],
  ['inside a patch content', 'Patches: 1\r\n\r\nContent-Length: 9\r\nContent-Range: json .a\r\n\r\n12'],
  ['right after Patches: 1', 'Patches: 1\r\n\r\n'],
];

function expectProtocolError(e: unknown, code: string): void {
  expect(e).toBeInstanceOf(BraidProtocolError);
  expect((e as BraidProtocolError).code).toBe(code);
  expect((e as Error).message).not.toMatch(/\n/);
}

describe('createUpdateParser refuses malformed framing', () => {
  describe.each(MALFORMED)('%s', (_name, bad, code, when) => {
    const stream = enc.encode(GOOD_BEFORE + bad + GOOD_AFTER);

    it(`throws ${code} from ${when}(), after the update before and never delivering the one after`, () => {
      const outcome = run([stream]);
      expectProtocolError(outcome.error, code);
      expect(outcome.atEnd).toBe(when === 'end');
      expect(outcome.versions).toEqual([['before']]);
    });

    it('does the same fed byte by byte and in random splits', () => {
      const rand = prng(bad.length);
      for (const pieces of [
        byteByByte(stream),
        ...Array.from({ length: 20 }, () => randomSplits(stream, rand)),
      ]) {
        const outcome = run(pieces);
        expectProtocolError(outcome.error, code);
        expect(outcome.versions).toEqual([['before']]);
      }
    });
  });

  it.each(TRUNCATED)('end() throws when the stream stops %s', (_name, text) => {
    for (const pieces of [[enc.encode(GOOD_BEFORE + text)], byteByByte(enc.encode(GOOD_BEFORE + text))]) {
      const outcome = run(pieces);
      expectProtocolError(outcome.error, 'bad-framing');
      expect(outcome.atEnd).toBe(true);
      expect(outcome.versions).toEqual([['before']]);
    }
  });

  it('refuses a Content-Length over maxBodyBytes', () => {
    const outcome = run([enc.encode('Content-Length: 101\r\n\r\n')], 100);
    expectProtocolError(outcome.error, 'bad-framing');
  });

  it('refuses a header block larger than 64 KB, with or without line ends', () => {
    const longLine = `X-Big: ${'a'.repeat(MAX_HEADER_BLOCK_BYTES)}`;
    const manyLines = 'X-Line: 0123456789\r\n'.repeat(MAX_HEADER_BLOCK_BYTES / 10);
    for (const head of [longLine, `${longLine}\r\nContent-Length: 1\r\n\r\nx`, manyLines]) {
      const stream = enc.encode(GOOD_BEFORE + head);
      for (const pieces of [[stream], randomSplits(stream, prng(3))]) {
        const outcome = run(pieces);
        expectProtocolError(outcome.error, 'bad-framing');
        expect(outcome.atEnd).toBe(false);
        expect(outcome.versions).toEqual([['before']]);
      }
    }
  });

  it('stays dead after an exception from onUpdate, which it passes on', () => {
    const boom = new Error('boom');
    let calls = 0;
    const parser = createUpdateParser(() => {
      calls++;
      throw boom;
    });
    expect(() => parser.push(enc.encode(GOOD_BEFORE + GOOD_AFTER))).toThrow(boom);
    expect(() => parser.push(enc.encode(GOOD_AFTER))).toThrow(BraidProtocolError);
    expect(calls).toBe(1);
  });

  it('refuses push() and end() from inside onUpdate, and push() after end()', () => {
    const parser = createUpdateParser(() => parser.push(enc.encode('\r\n')));
    expect(() => parser.push(enc.encode(GOOD_BEFORE))).toThrow(/inside onUpdate/);
    const ended = createUpdateParser(() => {});
    ended.end();
    expect(() => ended.push(enc.encode(GOOD_BEFORE))).toThrow(/after end/);
  });
});

describe('createUpdateParser under random mutations', () => {
  // A valid stream: every recorded subscription, and generated updates with binary content.
  const recorded = ['braid-http-1.3.80-curl-subscribe.txt', 'braid-http-1.4.7-client-subscribe.txt'].map(
    (f) => subscriptionBodies(loadRecording(f))[0].body,
  );
  const generated = serializeUpdate({
    version: ['g1', 'é'],
    parents: ['g0'],
    headers: { 'Merge-Type': 'x' },
    patches: [
      { range: '.a', content: new Uint8Array([0, 13, 10, 255]) },
      { unit: 'text', range: '[0:0]', content: 'héllo\r\n\r\n', headers: { 'X-P': '1' } },
    ],
  });
  const valid = concatBytes([...recorded, generated, enc.encode('\r\n\r\n')]);

  function mutate(rand: () => number): Uint8Array {
    const bytes = Array.from(valid);
    const count = randomInt(rand, 1, 4);
    for (let m = 0; m < count; m++) {
      const at = randomInt(rand, 0, bytes.length - 1);
      const interesting = [13, 10, 58, 34, 44, 48, 57, 32, 0, 255, 0x2d];
      const byte =
        rand() < 0.6 ? interesting[randomInt(rand, 0, interesting.length - 1)] : randomInt(rand, 0, 255);
      switch (randomInt(rand, 0, 4)) {
        case 0:
          bytes[at] = byte;
          break;
        case 1:
          bytes.splice(at, 0, byte);
          break;
        case 2:
          bytes.splice(at, randomInt(rand, 1, 8));
          break;
        case 3:
          bytes.splice(at, 0, ...bytes.slice(at, at + randomInt(rand, 1, 40)));
          break;
        default:
          bytes.length = at;
      }
    }
    return Uint8Array.from(bytes);
  }

  it('parses or throws BraidProtocolError for 2,000 mutated streams (seed 2024)', () => {
    const rand = prng(2024);
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const stream = mutate(rand);
      const pieces = rand() < 0.5 ? [stream] : randomSplits(stream, rand);
      const versions: string[][] = [];
      const parser = createUpdateParser((u) => versions.push(u.version));
      try {
        for (const piece of pieces) parser.push(piece);
        parser.end();
        parsed++;
      } catch (e) {
        if (!(e instanceof BraidProtocolError)) {
          throw new Error(
            `mutation ${i} threw ${String(e)}; stream: ${JSON.stringify(new TextDecoder().decode(stream))}`,
          );
        }
        refused++;
      }
    }
    expect(parsed + refused).toBe(2000);
    expect(refused).toBeGreaterThan(100);
  });
});

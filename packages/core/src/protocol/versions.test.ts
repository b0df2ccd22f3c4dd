import { describe, expect, it } from 'vitest';
import { BraidProtocolError } from './errors';
import {
  formatVersions,
  isSubscribeRequest,
  parseContentRange,
  parseHeartbeats,
  parseVersions,
} from './versions';

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('parseVersions', () => {
  it.each([
    ['"alice-3"', ['alice-3']],
    ['"a1", "b7"', ['a1', 'b7']],
    ['"a1","b7"', ['a1', 'b7']],
    ['  "a1"  ,\t"b7"  ', ['a1', 'b7']],
    ['', []],
    ['   ', []],
    ['""', ['']],
    ['"\\u00e9-5"', ['é-5']],
    ['"a\\"b", "c\\\\d", "e,f"', ['a"b', 'c\\d', 'e,f']],
    ['"\\ud83d\\ude00"', ['😀']],
    ['"é"', ['é']],
  ])('parses %j', (value, ids) => {
    expect(parseVersions(value)).toEqual(ids);
  });

  it.each([
    'alice',
    '"a",',
    ',"a"',
    '"a",,"b"',
    '1',
    'null',
    'true',
    '["a"]',
    '{"a":1}',
    '"a" "b"',
    '"a"]',
    '"a"], ["b"',
    ']',
    '[',
    '"unterminated',
    '"a\\"',
    '"bad \\x escape"',
    '"raw\ncontrol"',
    '"raw\ttab"',
    '"raw\u0000nul"',
    "'single'",
    '"a" // comment',
  ])('rejects %j with bad-version', (value) => {
    const e = errorOf(() => parseVersions(value));
    expect(e).toBeInstanceOf(BraidProtocolError);
    expect((e as BraidProtocolError).code).toBe('bad-version');
  });

  it('never throws anything but BraidProtocolError', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    const alphabet = ['"', '\\', ',', ' ', 'a', 'u', '0', '[', ']', '\n', 'é', '\ud800', '{', '}', ':', '1'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(rand() * 12);
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
      try {
        const ids = parseVersions(s);
        expect(ids.every((id) => typeof id === 'string')).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(BraidProtocolError);
      }
    }
  });
});

describe('formatVersions', () => {
  it('writes comma-separated JSON strings', () => {
    expect(formatVersions(['alice-3'])).toBe('"alice-3"');
    expect(formatVersions(['a1', 'b7'])).toBe('"a1", "b7"');
    expect(formatVersions([])).toBe('');
  });

  it('escapes non-ASCII and control characters as \\uXXXX (lower-case hex, like braid-http)', () => {
    expect(formatVersions(['é-5'])).toBe('"\\u00e9-5"');
    expect(formatVersions(['😀'])).toBe('"\\ud83d\\ude00"');
    expect(formatVersions(['a\u007fb'])).toBe('"a\\u007fb"');
    expect(formatVersions(['tab\there'])).toBe('"tab\\there"');
  });

  it('round-trips ids with unicode, quotes, backslashes, commas and control characters', () => {
    const ids = [
      'plain',
      '',
      'a"b',
      'c\\d',
      'e,f',
      '", "',
      'g h',
      'é☃😀',
      '\u0000\u001f\n\r',
      '\u2028\u2029',
      'lone \ud800 surrogate',
      'x'.repeat(500),
    ];
    const value = formatVersions(ids);
    expect(value).toMatch(/^[\x20-\x7e]*$/);
    expect(parseVersions(value)).toEqual(ids);
    for (const id of ids) expect(parseVersions(formatVersions([id]))).toEqual([id]);
  });

  it('refuses ids that are not strings', () => {
    expect(() => formatVersions([1 as unknown as string])).toThrow(TypeError);
  });
});

describe('parseHeartbeats', () => {
  it.each([
    ['20s', 20],
    ['0.3s', 0.3],
    ['20', 20],
    ['500ms', 0.5],
    [' 5 s ', 5],
    ['1.5S', 1.5],
    ['.5s', 0.5],
  ])('%j → %j seconds', (value, seconds) => {
    expect(parseHeartbeats(value)).toBeCloseTo(seconds, 9);
  });

  it.each(['', 's', '-1s', '-5', 'abc', '20m', '1e3', '10 sec', 'Infinity', 'NaN', '0', '0s', '1,5s'])(
    '%j → undefined',
    (value) => {
      expect(parseHeartbeats(value)).toBeUndefined();
    },
  );
});

describe('parseContentRange', () => {
  it.each([
    ['json .a.b', { unit: 'json', range: '.a.b' }],
    ['json', { unit: 'json', range: '' }],
    ['json ', { unit: 'json', range: '' }],
    ['text [5:5]', { unit: 'text', range: '[5:5]' }],
    ['json ["a b"]', { unit: 'json', range: '["a b"]' }],
    ['json   .messages[-0:-0]', { unit: 'json', range: '.messages[-0:-0]' }],
    ['bytes 0-10/20', { unit: 'bytes', range: '0-10/20' }],
  ])('%j', (value, parsed) => {
    expect(parseContentRange(value)).toEqual(parsed);
  });

  it.each(['', '   ', '@@ .a', 'js(on) .a', 'json .a\u0000', 'json\n.a', '"json" .a'])(
    'rejects %j with bad-range',
    (value) => {
      const e = errorOf(() => parseContentRange(value));
      expect(e).toBeInstanceOf(BraidProtocolError);
      expect((e as BraidProtocolError).code).toBe('bad-range');
    },
  );
});

describe('isSubscribeRequest', () => {
  it.each([
    ['true', true],
    ['?1', true],
    ['', true],
    [' true ', true],
    ['TRUE', true],
    ['false', false],
    ['?0', false],
    [null, false],
    [undefined, false],
  ])('%j → %j', (value, expected) => {
    expect(isSubscribeRequest(value)).toBe(expected);
  });
});

import { BraidProtocolError } from '@braid-live/core/protocol';
import { describe, expect, it } from 'vitest';
import { pick, type Rng, rng as random } from '../../../core/test/random';
import { IncrementalJsonParser, JsonSyntaxError } from '../../src/json/incrementalJson';
import { parseContent } from '../../src/json/parseContent';
import { INCREMENTAL_PARSE_BYTES, parseContentInTurns } from '../../src/json/parseContentInTurns';
import { LoopTurn } from '../../src/loopTurn';
import { jsonSizeOf, measuredJsonSize } from '../../src/resource/documentSize';
import { CountingTurn } from '../helpers/loopTurns';

// The incremental parser against JSON.parse: random documents (numbers, escapes, surrogates, duplicate and
// forbidden keys, deep nesting, big strings) and random mutations of their text must give the same value, or
// be refused by both. Seeded, bounded in count.

type Rand = Rng;
const SPACE = ['', '', '', ' ', '\n', '\t', '\r\n  '];
const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '12345678901234567890',
  '0.1',
  '-0.000001',
  '1e400',
  '-1E-400',
  '2.5e+3',
  '9007199254740993',
  '1.7976931348623157e308',
  '5e-324',
  '123.456e-7',
  '0e0',
  '1E+2',
];
const CHARS = [
  'a',
  'é',
  '€',
  '😀',
  '\u2028',
  '"',
  '\\',
  '/',
  '\b',
  '\f',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u001f',
  '\ud800',
  '\udfff',
  'x',
  ' ',
  '_',
  '0',
];
const KEYS = ['a', 'b', 'a', '0', '1', '10', '4294967295', '__proto__', 'constructor', 'prototype', '', 'é'];

/** A JSON string literal for `s`, escaping randomly (\u forms, \/, upper/lower hex). */
function stringText(r: Rand, s: string): string {
  let out = '"';
  for (const ch of s.split('')) {
    const code = ch.charCodeAt(0);
    const must = code < 0x20 || ch === '"' || ch === '\\';
    if (must || r() < 0.15) {
      const hex = code.toString(16).padStart(4, '0');
      const simple: Record<string, string> = {
        '"': '\\"',
        '\\': '\\\\',
        '/': '\\/',
        '\b': '\\b',
        '\f': '\\f',
        '\n': '\\n',
        '\r': '\\r',
        '\t': '\\t',
      };
      out += simple[ch] !== undefined && r() < 0.5 ? simple[ch] : `\\u${r() < 0.5 ? hex : hex.toUpperCase()}`;
    } else out += ch;
  }
  return `${out}"`;
}

function randomString(r: Rand): string {
  if (r() < 0.02) return 'y'.repeat(20_000 + Math.floor(r() * 20_000));
  let s = '';
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) s += pick(r, CHARS);
  return s;
}

/** The text of a random document (written directly, so whitespace, escapes and duplicate keys vary). */
function documentText(r: Rand, depth: number): string {
  const ws = () => pick(r, SPACE);
  const kind = r();
  if (depth > 0 && kind < 0.2) {
    const n = Math.floor(r() * 6);
    const items = Array.from({ length: n }, () => ws() + documentText(r, depth - 1) + ws());
    return `[${items.join(',')}${n === 0 ? ws() : ''}]`;
  }
  if (depth > 0 && kind < 0.4) {
    const n = Math.floor(r() * 6);
    const members = Array.from(
      { length: n },
      () =>
        `${ws()}${stringText(r, r() < 0.7 ? pick(r, KEYS) : randomString(r))}${ws()}:${ws()}${documentText(r, depth - 1)}${ws()}`,
    );
    return `{${members.join(',')}${n === 0 ? ws() : ''}}`;
  }
  if (kind < 0.6) return stringText(r, randomString(r));
  if (kind < 0.85) return pick(r, NUMBERS);
  return pick(r, ['true', 'false', 'null']);
}

const deep = (n: number) => `${'['.repeat(n)}${'{"a":'.repeat(n)}1${'}'.repeat(n)}${']'.repeat(n)}`;

function mutate(r: Rand, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  const junk = pick(r, [
    '',
    ',',
    ':',
    '"',
    '\\',
    '[',
    ']',
    '{',
    '}',
    '-',
    '.',
    'e',
    '0',
    'u',
    ' ',
    '\u0001',
    '\ufeff',
    'x',
  ]);
  switch (Math.floor(r() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + junk + text.slice(at);
    case 2:
      return text.slice(0, at) + junk + text.slice(at + 1);
    default:
      return text.slice(0, at);
  }
}

/** Everything about a value that JSON.parse decides: kinds, -0, key order, own `__proto__`, prototypes. */
function shape(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return ['array', value.map(shape)];
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  return ['object', Object.keys(value).map((k) => [k, shape((value as Record<string, unknown>)[k])])];
}

type Outcome = { ok: unknown } | { refused: true };

function native(text: string): Outcome {
  try {
    return { ok: shape(JSON.parse(text)) };
  } catch (e) {
    expect(e).toBeInstanceOf(SyntaxError);
    return { refused: true };
  }
}

function incremental(text: string, units: number): Outcome {
  const parser = new IncrementalJsonParser(text, 64);
  try {
    let steps = 0;
    while (!parser.step(units)) expect(++steps).toBeLessThan(10_000_000);
    // Sound: a text judged canonical is exactly JSON.stringify's (a write sends it as the content's JSON).
    if (parser.canonical) expect([text, JSON.stringify(parser.value)]).toEqual([text, text]);
    return { ok: shape(parser.value) };
  } catch (e) {
    expect(e).toBeInstanceOf(JsonSyntaxError);
    return { refused: true };
  }
}

describe('IncrementalJsonParser gives what JSON.parse gives', () => {
  it('on fixed cases', () => {
    const cases = [
      '',
      ' ',
      '1',
      ' 1 ',
      '01',
      '-',
      '1.',
      '.5',
      '1e',
      '1e+',
      '+1',
      '-01',
      '0x10',
      'NaN',
      'true',
      'tru',
      'nul',
      'truex',
      '"\\u00e9\\uD83D\\ude00\\ud800"',
      '"\\x"',
      '"\\u12g4"',
      '"abc',
      '"a\u0000"',
      '"\u2028"',
      '\ufeff1',
      '[1,]',
      '[,1]',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '{"a":1 "b":2}',
      '[1 2]',
      '[]',
      '{}',
      '[ ]',
      '{ }',
      '{"__proto__":{"x":1}}',
      '{"a":1,"b":2,"a":3}',
      '{"b":1,"2":2,"1":3}',
      '"\\/"',
      '[1]]',
      '{}}',
      '1 2',
      '\u00a01',
      deep(300),
      `${deep(300)}]`,
      `[${'1,'.repeat(5000)}1]`,
      // Long strings (found natively unless they hold an escape or a control character).
      `"${'z'.repeat(100)}\\n${'z'.repeat(100)}"`,
      `"${'z'.repeat(100)}\\"${'z'.repeat(100)}"`,
      `["${'z'.repeat(100)}\u0001", 1]`,
      `"${'z'.repeat(100)}`,
      `["${'z'.repeat(100)}\\"]`,
      `{"${'k'.repeat(100)}":"${'v'.repeat(100)}"}`,
    ];
    for (const text of cases)
      for (const units of [1, 3, 1000])
        expect([text, incremental(text, units)]).toEqual([text, native(text)]);
  });

  it('judges JSON.stringify text canonical (what an honest client sends), but where a key may move', () => {
    const r = random(12);
    let canonical = 0;
    for (let i = 0; i < 1500; i++) {
      const value = JSON.parse(documentText(r, 1 + Math.floor(r() * 6)));
      const text = JSON.stringify(value);
      const parser = new IncrementalJsonParser(text, 64);
      while (!parser.step(pick(r, [1, 7, 100_000])));
      // Conservative only where it must be cheap: integer-like keys (JSON.stringify orders them), keys the
      // prototype has (a duplicate is checked by lookup), lone surrogates (written as \u escapes).
      const mayMove = /"(?:[0-9][^"]*|__proto__|constructor)":|\\ud[89a-f]/.test(text);
      if (!mayMove) {
        expect([text, parser.canonical]).toEqual([text, true]);
        canonical++;
      }
    }
    expect(canonical).toBeGreaterThan(500);
    // Texts JSON.stringify would write otherwise: never judged canonical.
    const judged = (text: string) => {
      const parser = new IncrementalJsonParser(text, 64);
      while (!parser.step(100));
      return parser.canonical;
    };
    for (const text of [
      '{"a":1,"a":2}',
      '{"a": 1}',
      ' 1',
      '"\\/"',
      '"\\u0041"',
      '"\\u001F"',
      '"\\u000a"',
      '-0',
      '1.0',
      '1E2',
      '1e21',
      '1e400',
      '{"b":1,"1":2}',
      '[1 ]',
    ])
      expect([text, judged(text)]).toEqual([text, false]);
    for (const text of [
      '{"a":1,"b":[true,null,"\\n\\u001f\\"é😀"]}',
      '-1.5e-7',
      '123456789012345',
      '0',
      '[]',
      '{}',
    ])
      expect([text, judged(text)]).toEqual([text, true]);
  });

  it('measures the big containers of a canonical text as it parses them, as jsonSizeOf would', () => {
    const r = random(13);
    let measured = 0;
    const check = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return;
      const size = measuredJsonSize(value);
      // (A structured clone is a new object, measured afresh.)
      if (size !== undefined) {
        expect(size).toBe(jsonSizeOf(structuredClone(value)));
        measured++;
      }
      for (const item of Object.values(value)) check(item);
    };
    // Values JSON.stringify writes back as parsed (no integer-like key, no lone surrogate), with escapes.
    const text = () =>
      Array.from({ length: Math.floor(r() * 4) }, () => pick(r, CHARS.slice(0, 15))).join('');
    const item = (depth: number): unknown => {
      const n = r();
      if (depth > 2 || n < 0.3) return pick(r, [text(), 1.5, -3, true, null, 1e21]);
      if (n < 0.6) return Array.from({ length: Math.floor(r() * 6) }, () => item(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 6) }, (_, k) => [`${text()}k${k}`, item(depth + 1)]),
      );
    };
    for (let i = 0; i < 300; i++) {
      const items = Array.from({ length: 40 }, () => item(0));
      const text = JSON.stringify({ items, more: { list: items.slice(0, 35) } });
      const parser = new IncrementalJsonParser(text, 64);
      while (!parser.step(pick(r, [1, 7, 100_000])));
      if (parser.canonical) expect(measuredJsonSize(parser.value as object)).toBeDefined();
      check(parser.value);
    }
    expect(measured).toBeGreaterThan(300);
    // Text that is not what JSON.stringify writes is not taken as a measure.
    const spaced = new IncrementalJsonParser(`[${'1, '.repeat(100)}1]`, 64);
    while (!spaced.step(100));
    expect(measuredJsonSize(spaced.value as object)).toBeUndefined();
    expect(jsonSizeOf(spaced.value)).toBe(JSON.stringify(spaced.value).length);
  });

  it('on random documents and their mutations', () => {
    const r = random(11);
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const text = documentText(r, 1 + Math.floor(r() * 6));
      const units = pick(r, [1, 2, 7, 100_000]);
      expect(incremental(text, units)).toEqual(native(text));
      for (let m = 0; m < 4; m++) {
        const mutated = mutate(r, text);
        const expected = native(mutated);
        if ('refused' in expected) refused++;
        expect([mutated, incremental(mutated, units)]).toEqual([mutated, expected]);
      }
    }
    // The mutations did exercise refusals (and acceptances).
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(6000);
  });
});

const bytes = (text: string) => new TextEncoder().encode(text);

async function outcomeOf(f: () => Promise<{ value: unknown }> | { value: unknown }) {
  try {
    return { value: shape((await f()).value) };
  } catch (e) {
    expect(e).toBeInstanceOf(BraidProtocolError);
    const error = e as BraidProtocolError;
    // A syntax error's message names a position, said differently by each parser: the code is what matters.
    return error.code === 'bad-json' ? { code: error.code } : { code: error.code, message: error.message };
  }
}

describe('parseContentInTurns', () => {
  it('refuses and accepts big contents as parseContent does, with the same reasons', async () => {
    // Trailing whitespace takes the server's own bad-input cases past the threshold, changing nothing else.
    const pad = ' '.repeat(INCREMENTAL_PARSE_BYTES);
    const many = Array.from({ length: 5000 }, (_, i) => `{"k${i}":[1]}`).join(',');
    const cases = [
      '{"title": oops}',
      '{{',
      '"\xff"',
      '{"__proto__":{"polluted":true}}',
      '{"a":{"prototype":1}}',
      '{"\\u005f_proto__":{"polluted":true}}',
      `[${many},{"constructor":1}]`,
      `${'['.repeat(100)}1${']'.repeat(100)}`,
      `[${'[0],'.repeat(200)}${'{"a":['.repeat(40)}1${']}'.repeat(40)}]`,
      '{"a":{"__proto__":1},"a":2}',
      `{"x":${deep(40)},"constructor":1}`,
      `{"constructor":1,"x":${deep(40)}}`,
      `{"9":{"__proto__":1},"1":${deep(70)}}`,
      '{"fine":[1,2,{"b":"c"}]}',
      `{"a":${deep(31)}}`,
      `{"a":${deep(32)}}`,
    ];
    for (const text of cases) {
      const turn = new CountingTurn();
      const expected = await outcomeOf(() => parseContent(bytes(text + pad), 64));
      expect([text, await outcomeOf(() => parseContentInTurns(bytes(text + pad), 64, turn))]).toEqual([
        text,
        expected,
      ]);
      expect(turn.pauses).toBeGreaterThan(0);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const invalidUtf8 = new Uint8Array([0x22, 0xff, ...bytes(pad), 0x22]);
    expect(await outcomeOf(() => parseContentInTurns(invalidUtf8, 64, new LoopTurn()))).toEqual({
      code: 'bad-json',
    });
  });

  it('parses a big content in many turns, to what JSON.parse gives', async () => {
    const text = JSON.stringify({
      items: Array.from({ length: 200_000 }, (_, i) => ({ done: i % 3 === 0, n: i / 7 })),
    });
    const turn = new CountingTurn();
    const { value } = await parseContentInTurns(bytes(text), 512, turn);
    expect(value).toEqual(JSON.parse(text));
    expect(turn.pauses).toBeGreaterThan(50);
  });

  it('decodes a big content that is not ASCII in slices, as parseContent does (split characters, bad UTF-8, BOM)', async () => {
    // 1-, 2-, 3- and 4-byte characters: 1 MiB slice boundaries fall inside every kind somewhere.
    const text = JSON.stringify({ s: 'é€😀a'.repeat(300_000), t: ['ü', '日本', '🎉'] });
    const turn = new CountingTurn();
    const parsed = await parseContentInTurns(bytes(text), 64, turn);
    expect(parsed.value).toEqual(JSON.parse(text));
    expect(parsed.text === text).toBe(true);
    expect(turn.pauses).toBeGreaterThan(3);
    // A byte that is not UTF-8 deep in a slice past the first: refused as parseContent refuses it.
    const broken = bytes(text);
    broken[2.5 * 1024 * 1024 + 5] = 0xff;
    expect(await outcomeOf(() => parseContentInTurns(broken, 64, new LoopTurn()))).toEqual(
      await outcomeOf(async () => parseContent(broken, 64)),
    );
    await expect(parseContentInTurns(broken, 64, new LoopTurn())).rejects.toThrow(/not valid UTF-8/);
    // A BOM is kept in the text, so the JSON is refused (as JSON.parse refuses it), not silently accepted.
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(text)]);
    const bomOutcome = await outcomeOf(() => parseContentInTurns(withBom, 64, new LoopTurn()));
    expect(bomOutcome).toEqual(await outcomeOf(async () => parseContent(withBom, 64)));
    expect(bomOutcome).toEqual({ code: 'bad-json' });
    await expect(parseContentInTurns(withBom, 64, new LoopTurn())).rejects.toThrow(/invalid JSON/);
  });

  it('leaves small contents to JSON.parse (no turn given back)', async () => {
    const turn = new CountingTurn();
    expect((await parseContentInTurns(bytes('{"a":[1,2]}'), 64, turn)).value).toEqual({ a: [1, 2] });
    expect(turn.pauses).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { BraidProtocolError } from './errors';
import { formatJsonRange, parseJsonRange } from './jsonRange';

describe('parseJsonRange', () => {
  it.each([
    ['', { path: [] }],
    ['.a', { path: ['a'] }],
    ['.a.b', { path: ['a', 'b'] }],
    ['.messages[0:0]', { path: ['messages'], slice: [0, 0] }],
    ['.messages[-0:-0]', { path: ['messages'], slice: [-0, -0] }],
    ['[3]', { path: [3] }],
    ['[-1]', { path: [-1] }],
    ['.a[2].b', { path: ['a', 2, 'b'] }],
    ['["any \\"key\\""]', { path: ['any "key"'] }],
    ['["a.b"][1:4]', { path: ['a.b'], slice: [1, 4] }],
    ['["\\u00e9"]', { path: ['é'] }],
    ['.my key', { path: ['my key'] }],
    ['.3', { path: ['3'] }],
  ])('%s', (range, expected) => {
    const parsed = parseJsonRange(range);
    expect(parsed).toEqual(expected);
    if ('slice' in expected) expect(Object.is(parsed.slice?.[0], expected.slice[0])).toBe(true);
  });

  it.each([
    '.',
    'a',
    '[',
    '[1',
    '[x]',
    '[1.5]',
    '[01]',
    '[1:2][3]',
    '["unterminated]',
    '["a"',
    '.a]',
    '[99999999999999999999]',
  ])('rejects %j', (range) => {
    expect(() => parseJsonRange(range)).toThrow(BraidProtocolError);
  });

  it.each(['.__proto__', '.a.constructor', '["prototype"]', '.a[0]["__proto__"].b'])(
    'refuses forbidden key in %s',
    (range) => {
      expect(() => parseJsonRange(range)).toThrow(expect.objectContaining({ code: 'forbidden-key' }));
    },
  );
});

describe('formatJsonRange', () => {
  it('round-trips keys that need quoting, indices and slices', () => {
    for (const range of ['.a.b', '["my key"][2]', '.x[-0:-0]', '[0]["\\u00e9"]', '', '["3"]', '.s[1:5]']) {
      expect(formatJsonRange(parseJsonRange(range))).toBe(range);
    }
  });
  it('writes non-ASCII keys as \\u escapes (header-safe)', () => {
    const range = formatJsonRange(['é☃']);
    expect(range).toBe('["\\u00e9\\u2603"]');
    expect(parseJsonRange(range).path).toEqual(['é☃']);
  });
});

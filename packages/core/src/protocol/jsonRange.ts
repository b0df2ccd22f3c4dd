import { BraidProtocolError } from './errors';
import { FORBIDDEN_KEYS } from './forbiddenKeys';
import type { ParsedRange, PathSegment } from './types';

export { FORBIDDEN_KEYS };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const cache = new Map<string, ParsedRange>();
const CACHE_LIMIT = 4096;

function fail(range: string, why: string): never {
  throw new BraidProtocolError('bad-range', `bad json range ${JSON.stringify(range.slice(0, 200))}: ${why}`);
}

function parseIndex(range: string, text: string): number {
  if (!INTEGER.test(text)) fail(range, `not an integer index: ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) fail(range, 'index too large');
  return text === '-0' ? -0 : n;
}

function checkKey(key: string): string {
  if (FORBIDDEN_KEYS.has(key))
    throw new BraidProtocolError('forbidden-key', `forbidden key ${JSON.stringify(key)}`);
  return key;
}

/**
 * Parses a `json` unit range: `.key`, `["any key"]`, `[3]`, `[-1]`, and a final slice `[i:j]` (`[-0:-0]` appends).
 * '' is the whole document. Throws BraidProtocolError ('bad-range' or 'forbidden-key').
 */
export function parseJsonRange(range: string): ParsedRange {
  const hit = cache.get(range);
  if (hit) return hit;
  const path: PathSegment[] = [];
  let slice: [number, number] | undefined;
  let i = 0;
  while (i < range.length) {
    if (slice) fail(range, 'a slice must be the last segment');
    const c = range[i];
    if (c === '.') {
      let j = i + 1;
      while (j < range.length && range[j] !== '.' && range[j] !== '[') j++;
      const key = range.slice(i + 1, j);
      if (!key) fail(range, 'empty key after "."');
      if (key.includes(']')) fail(range, 'unexpected "]"');
      path.push(checkKey(key));
      i = j;
    } else if (c === '[') {
      if (range[i + 1] === '"') {
        // A JSON string key: find its closing quote, honouring escapes.
        let j = i + 2;
        while (j < range.length && range[j] !== '"') j += range[j] === '\\' ? 2 : 1;
        if (j >= range.length || range[j + 1] !== ']') fail(range, 'unterminated quoted key');
        let key: unknown;
        try {
          key = JSON.parse(range.slice(i + 1, j + 1));
        } catch {
          fail(range, 'bad quoted key');
        }
        path.push(checkKey(key as string));
        i = j + 2;
      } else {
        const j = range.indexOf(']', i);
        if (j < 0) fail(range, 'missing "]"');
        const inner = range.slice(i + 1, j).trim();
        const colon = inner.indexOf(':');
        if (colon < 0) path.push(parseIndex(range, inner));
        else {
          const start = parseIndex(range, inner.slice(0, colon).trim());
          const end = parseIndex(range, inner.slice(colon + 1).trim());
          slice = [start, end];
        }
        i = j + 1;
      }
    } else {
      fail(range, `unexpected ${JSON.stringify(c)} at ${i}`);
    }
  }
  const parsed: ParsedRange = slice ? { path, slice } : { path };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(range, parsed);
  return parsed;
}

const formatIndex = (n: number) => (Object.is(n, -0) ? '-0' : String(n));

/** Escapes non-ASCII so the range is safe in an HTTP header. */
function quoteKey(key: string): string {
  return `[${JSON.stringify(key).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}]`;
}

/** One object key as a range segment: `.key`, or `["key"]` when it is not an identifier. */
export const formatKey = (key: string) => (IDENTIFIER.test(key) ? `.${key}` : quoteKey(key));

/** Formats a path (and optional final slice) as a `json` range. */
export function formatJsonRange(range: ParsedRange | readonly PathSegment[]): string {
  const { path, slice } = Array.isArray(range)
    ? { path: range as readonly PathSegment[], slice: undefined }
    : (range as ParsedRange);
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${formatIndex(seg)}]` : formatKey(seg);
  if (slice) out += `[${formatIndex(slice[0])}:${formatIndex(slice[1])}]`;
  return out;
}

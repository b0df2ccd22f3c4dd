import { isAscii, isUtf8 } from 'node:buffer';
import { BraidProtocolError, FORBIDDEN_KEYS } from '@braid-live/core/protocol';

/**
 * The server's parse of one JSON content from a request body (empty = undefined, a delete): the same checks
 * and errors as core's parseJsonContent (UTF-8, JSON, nesting at most `maxDepth`, no `__proto__` /
 * `constructor` / `prototype` key at any depth), in fewer passes over a big body. UTF-8 is checked natively
 * (no decode that throws), and the walk over the parsed value is skipped when the text itself shows it cannot
 * find anything: no more brackets than `maxDepth` and none of the forbidden names (nor a `\u` escape that
 * could spell one). A 20,000-key object or an 8 MiB string is then parsed and nothing else. Returns the text
 * too (see isCanonicalString).
 */
export function parseContent(bytes: Uint8Array, maxDepth: number): { value: unknown; text: string } {
  if (bytes.length === 0) return { value: undefined, text: '' };
  const text = contentText(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BraidProtocolError('bad-json', `invalid JSON: ${(e as Error).message.slice(0, 120)}`);
  }
  if (typeof value !== 'object' || value === null) return { value, text };
  const keysSafe = !mayHoldForbiddenKey(text);
  if (keysSafe && !hasMoreBrackets(text, maxDepth)) return { value, text };
  checkNode(value, 0, maxDepth, keysSafe);
  return { value, text };
}

/** The text of a content's bytes, refused (as core's parseJsonContent does) when they are not UTF-8. */
export function contentText(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw notUtf8();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * contentText in steps of DECODE_SLICE bytes for a text that is not ASCII: checking and decoding 4 MiB of it is
 * 35–45 ms in one piece here. A streaming decoder keeps a character split between two slices whole, and `ignoreBOM` keeps a
 * BOM in the text (where JSON refuses it) instead of dropping it.
 */
export function* contentTextInSteps(bytes: Uint8Array): Generator<undefined, string> {
  // (ASCII, the usual case, is checked and decoded natively in a few ms per 4 MiB, into a one-byte string that
  // every later pass reads faster than the two-byte one the decoder would make.)
  if (bytes.length <= DECODE_SLICE || isAscii(bytes)) return contentText(bytes);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let text = '';
  try {
    for (let at = 0; at < bytes.length; at += DECODE_SLICE) {
      text += decoder.decode(bytes.subarray(at, at + DECODE_SLICE), { stream: true });
      yield;
    }
    return text + decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) throw notUtf8();
    throw error;
  }
}

const DECODE_SLICE = 1024 * 1024;

const notUtf8 = () => new BraidProtocolError('bad-json', 'content is not valid UTF-8');

/**
 * Whether `text`, the JSON a string value was parsed from, is exactly what JSON.stringify gives for it: a
 * string literal with no escape in it (without a backslash it cannot hold a quote or a control character, and
 * UTF-8 cannot hold a lone surrogate, the only characters JSON.stringify escapes). Then the text is the
 * content's JSON, and the write need not make it again (an 8 MiB string: 20 ms).
 */
export function isCanonicalString(value: unknown, text: string): boolean {
  return (
    typeof value === 'string' &&
    text.length === value.length + 2 &&
    text.charCodeAt(0) === 34 &&
    !text.includes('\\')
  );
}

function mayHoldForbiddenKey(text: string): boolean {
  if (text.includes('\\u')) return true;
  for (const key of FORBIDDEN_KEYS) if (text.includes(key)) return true;
  return false;
}

/** Whether `text` has more than `limit` opening brackets (so it might nest deeper than `limit`). */
function hasMoreBrackets(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1))
      if (++count > limit) return true;
  }
  return false;
}

function checkNode(node: object, depth: number, maxDepth: number, keysSafe: boolean): void {
  if (depth >= maxDepth) throw new BraidProtocolError('too-deep', `JSON nested deeper than ${maxDepth}`);
  if (Array.isArray(node)) {
    for (const item of node)
      if (typeof item === 'object' && item !== null) checkNode(item, depth + 1, maxDepth, keysSafe);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!keysSafe && FORBIDDEN_KEYS.has(key))
      throw new BraidProtocolError('forbidden-key', `forbidden key ${JSON.stringify(key)}`);
    const item = record[key];
    if (typeof item === 'object' && item !== null) checkNode(item, depth + 1, maxDepth, keysSafe);
  }
}

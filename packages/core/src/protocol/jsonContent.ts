import { BraidProtocolError } from './errors';
import { FORBIDDEN_KEYS } from './forbiddenKeys';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks a parsed JSON value from the network: nesting at most `maxDepth`, and no `__proto__` / `constructor` /
 * `prototype` keys at any depth (they would reach Object.prototype when merged into a document).
 */
export function checkJsonContent(value: unknown, maxDepth = 64): void {
  check(value, maxDepth, 0);
}

// Recursive (no [node, depth] pair per value: a 200,000-item list was mostly allocation), at most maxDepth deep.
function check(node: unknown, maxDepth: number, depth: number): void {
  if (typeof node !== 'object' || node === null) return;
  if (depth >= maxDepth) throw new BraidProtocolError('too-deep', `JSON nested deeper than ${maxDepth}`);
  if (Array.isArray(node)) for (const item of node) check(item, maxDepth, depth + 1);
  else
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key))
        throw new BraidProtocolError('forbidden-key', `forbidden key ${JSON.stringify(key)}`);
      check((node as Record<string, unknown>)[key], maxDepth, depth + 1);
    }
}

/** Decodes UTF-8 JSON bytes (empty = undefined, i.e. a delete) and checks them with checkJsonContent. */
export function parseJsonContent(bytes: Uint8Array, maxDepth = 64): unknown {
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new BraidProtocolError('bad-json', 'content is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BraidProtocolError('bad-json', `invalid JSON: ${(e as Error).message.slice(0, 120)}`);
  }
  checkJsonContent(value, maxDepth);
  return value;
}

/** Measured sizes of containers, by identity: versions share every subtree a write did not touch. */
const measured = new WeakMap<object, number>();

/**
 * The estimated size of a JSON value in bytes: what `JSON.stringify(value).length` gives, except that strings
 * count their UTF-16 length plus quotes (escapes are not counted). It bounds documents (`maxDocumentBytes`) and
 * the memory of loaded resources.
 *
 * Cost follows what changed: sizes are cached per array/object, and consecutive versions of a document share
 * every container a write did not copy, so measuring the next version only visits the containers the write
 * copied (each one in proportion to its width, which is what copying it cost). A new document (a snapshot
 * write, a load) is measured once, in proportion to its size, like the parse that produced it.
 */
export function jsonSizeOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      return value === null ? 4 : containerSize(value);
    default:
      return 0; // undefined and functions are not JSON: JSON.stringify leaves them out
  }
}

function containerSize(container: object): number {
  const cached = measured.get(container);
  if (cached !== undefined) return cached;
  let size = 2; // [] or {}
  let members = 0;
  if (Array.isArray(container)) {
    for (const item of container) {
      size += jsonSizeOf(item);
      members++;
    }
  } else {
    const record = container as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (item === undefined) continue;
      size += key.length + 3 + jsonSizeOf(item); // "key":
      members++;
    }
  }
  if (members > 1) size += members - 1; // commas
  measured.set(container, size);
  return size;
}

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
      return numberSize(value);
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      return value === null ? 4 : containerSize(value);
    default:
      return 0; // undefined and functions are not JSON: JSON.stringify leaves them out
  }
}

/** The measure of a container, if it has one (only containers that held 32 values or more when measured). */
export function measuredJsonSize(container: object): number | undefined {
  return measured.get(container);
}

/**
 * Takes `size` as the measure of `container` (which must be what jsonSizeOf would give), made by whoever built
 * it (the parse of a write's canonical text knows it from the text), if it holds `values` values or more.
 */
export function rememberJsonSize(container: object, size: number, values: number): void {
  if (values >= CACHE_MIN_VISITS) measured.set(container, size);
}

/**
 * Containers whose measure visited fewer values than this are not cached: measuring them again costs about
 * as little as looking them up, and a cache entry per small object (200,000 list items) made measuring a new
 * document several times slower (a WeakMap entry each). A container holding a big subtree is cached itself.
 */
const CACHE_MIN_VISITS = 32;
/** Values visited by containerSize so far (the difference tells how much one measure walked). */
let visits = 0;

function containerSize(container: object): number {
  const cached = measured.get(container);
  if (cached !== undefined) return cached;
  const before = visits;
  let size = 2; // [] or {}
  let members = 0;
  if (Array.isArray(container)) {
    for (const item of container) {
      size += jsonSizeOf(item);
      members++;
    }
  } else {
    const record = container as Record<string, unknown>;
    // (Object.keys: a quarter quicker than for-in on a big object; JSON objects have no inherited keys.)
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === undefined) continue;
      size += key.length + 3 + jsonSizeOf(item); // "key":
      members++;
    }
  }
  if (members > 1) size += members - 1; // commas
  visits += members + 1;
  if (visits - before >= CACHE_MIN_VISITS) measured.set(container, size);
  return size;
}

/**
 * jsonSizeOf in steps, for a value nobody measured yet (an app's big initial value, on its first load: 200,000
 * items took ~50 ms in one piece): the members of a big container are measured one by one, each wide array
 * among them in steps of its own, with a yield every STEP_VALUES values. It remembers what jsonSizeOf would,
 * so the measures that follow are cached. (An object member is measured in one piece: its width is not known
 * before its keys are listed.)
 */
export function* jsonSizeInSteps(value: unknown): Generator<undefined, number> {
  if (typeof value !== 'object' || value === null) return jsonSizeOf(value);
  const cached = measured.get(value);
  if (cached !== undefined) return cached;
  const before = visits;
  let size = 2;
  let members = 0;
  // Work since the last yield: the members here, and the values their measures visited.
  let stepStart = visits;
  let stepMembers = 0;
  const sizeOf = (item: unknown) =>
    Array.isArray(item) && item.length >= WIDE_ARRAY ? undefined : jsonSizeOf(item);
  const keys = Array.isArray(value) ? undefined : Object.keys(value);
  const count = keys ? keys.length : (value as unknown[]).length;
  for (let i = 0; i < count; i++) {
    const key = keys?.[i];
    const item = key === undefined ? (value as unknown[])[i] : (value as Record<string, unknown>)[key];
    if (key !== undefined && item === undefined) continue;
    const itemSize = sizeOf(item) ?? (yield* jsonSizeInSteps(item));
    size += key === undefined ? itemSize : key.length + 3 + itemSize; // "key":
    members++;
    if (++stepMembers + visits - stepStart >= STEP_VALUES) {
      stepMembers = 0;
      stepStart = visits;
      yield;
    }
  }
  if (members > 1) size += members - 1;
  visits += members + 1;
  if (visits - before >= CACHE_MIN_VISITS) measured.set(value, size);
  return size;
}

/** Values measured between two yields of jsonSizeInSteps (~1 ms here). */
const STEP_VALUES = 16 * 1024;
const WIDE_ARRAY = 256;

/** `String(n).length` without making the string for integers (a document of numbers has many). */
function numberSize(n: number): number {
  if (!Number.isFinite(n)) return 4; // null
  if (!Number.isInteger(n) || n >= 1e15 || n <= -1e15) return String(n).length;
  let length = n < 0 ? 2 : 1;
  for (let bound = 10, abs = Math.abs(n); abs >= bound; bound *= 10) length++;
  return length;
}

/**
 * What `set()` keeps is exactly what the server will store: the value as `JSON.parse(JSON.stringify(value))`
 * would give it back (issue 10 point 4), or a thrown error for values JSON has no form for.
 *
 * Normalized like JSON.stringify: `-0` → `0`; `NaN`/`±Infinity` → `null`; `toJSON()` is called (a `Date` becomes
 * its ISO string); members that are `undefined` are dropped, array items that are `undefined` become `null`;
 * `Map`, `Set` and class instances become plain objects of their own enumerable properties (a `Map` → `{}`).
 * Refused (a `TypeError` naming the path): BigInt, functions, symbols, cycles, and `undefined` as the whole value.
 *
 * `prev` is the previous normalized value: a subtree identical to the one at the same place in `prev` is
 * already normal and is not walked again, so the cost of an immer recipe follows what it changed. Parts that
 * had to change are new frozen objects (like immer's output); unchanged parts keep their identity.
 */
export function toJsonValue(value: unknown, prev?: unknown): unknown {
  const out = normalize(value, prev, '', new Set());
  if (out === undefined) throw new TypeError('the value has no JSON form (undefined)');
  return out;
}

/** Raised for a value JSON cannot carry; `path` is where in the document (json range syntax, '' = the whole). */
export class NotJsonError extends TypeError {
  override name = 'NotJsonError';
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`${what} at ${path === '' ? 'the document root' : path} has no JSON form`);
  }
}

/** Returns undefined for what JSON drops (an `undefined` member). */
function normalize(value: unknown, prev: unknown, path: string, ancestors: Set<object>): unknown {
  if (Object.is(value, prev) && value !== undefined) return value;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'undefined':
      return undefined;
    case 'bigint':
      throw new NotJsonError(path, 'a BigInt');
    case 'function':
      throw new NotJsonError(path, 'a function');
    case 'symbol':
      throw new NotJsonError(path, 'a symbol');
  }
  if (value === null) return null;
  const object = value as Record<string, unknown> & { toJSON?: (key: string) => unknown };
  if (typeof object.toJSON === 'function') {
    return normalize(object.toJSON(lastKey(path)), undefined, path, ancestors);
  }
  if (ancestors.has(object)) throw new NotJsonError(path, 'a cycle');
  ancestors.add(object);
  try {
    return Array.isArray(object)
      ? normalizeArray(object, prev, path, ancestors)
      : normalizeObject(object, prev, path, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function normalizeArray(array: unknown[], prev: unknown, path: string, ancestors: Set<object>): unknown[] {
  const before = Array.isArray(prev) ? prev : undefined;
  let out: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let normal = normalize(item, before?.[i], `${path}[${i}]`, ancestors);
    if (normal === undefined) normal = null;
    if (!Object.is(normal, item) || !(i in array)) out ??= array.slice(0, i);
    if (out) out.push(normal);
  }
  return out ? (Object.freeze(out) as unknown[]) : array;
}

function normalizeObject(
  object: Record<string, unknown>,
  prev: unknown,
  path: string,
  ancestors: Set<object>,
): Record<string, unknown> {
  const proto = Object.getPrototypeOf(object);
  const plain = proto === Object.prototype || proto === null;
  const before = isRecord(prev) ? prev : undefined;
  let out: Record<string, unknown> | undefined = plain ? undefined : {};
  const keys = Object.keys(object);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const member = object[key];
    const normal = normalize(member, before?.[key], `${path}${memberPath(key)}`, ancestors);
    if (!out && (normal === undefined || !Object.is(normal, member))) {
      out = {};
      for (let j = 0; j < k; j++) out[keys[j]] = object[keys[j]];
    }
    if (out && normal !== undefined) out[key] = normal;
  }
  // A plain object made with a null prototype serializes the same; keep it as it is when nothing changed.
  return out ? Object.freeze(out) : object;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function memberPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The key JSON.stringify passes to toJSON: the member name or the array index ('' at the root). */
function lastKey(path: string): string {
  const member = /(?:\.([A-Za-z_$][\w$]*)|\[("(?:[^"\\]|\\.)*"|\d+)\])$/.exec(path);
  if (!member) return '';
  if (member[1] !== undefined) return member[1];
  return member[2].startsWith('"') ? (JSON.parse(member[2]) as string) : member[2];
}

/**
 * A resource path, exact (`/api/doc`) or with `:name` segments (`/api/tickers/:symbol`), each matching one
 * non-empty path segment. Matching works on the raw (percent-encoded) path; parameter values are decoded.
 */
export interface PathPattern {
  readonly source: string;
  readonly isExact: boolean;
  /** The decoded parameters when `path` matches, else undefined. */
  match(path: string): Record<string, string> | undefined;
}

const PARAM = /^:([A-Za-z_$][A-Za-z0-9_$]*)$/;
const NO_PARAMS: Record<string, string> = Object.freeze(Object.create(null));

export function compilePathPattern(source: string): PathPattern {
  if (typeof source !== 'string' || !source.startsWith('/')) {
    throw new TypeError(`braid.resource: path must start with "/" (got ${JSON.stringify(source)})`);
  }
  if (source.includes('?') || source.includes('#')) {
    throw new TypeError(
      `braid.resource: path must not contain a query or fragment (${JSON.stringify(source)})`,
    );
  }
  const segments = source.split('/');
  const names = segments.map((segment) => PARAM.exec(segment)?.[1]);
  if (names.every((name) => name === undefined)) {
    return { source, isExact: true, match: (path) => (path === source ? NO_PARAMS : undefined) };
  }
  return {
    source,
    isExact: false,
    match(path) {
      const parts = path.split('/');
      if (parts.length !== segments.length) return undefined;
      // A null-prototype object: a parameter named __proto__ stays a plain key.
      const params: Record<string, string> = Object.create(null);
      for (let i = 0; i < parts.length; i++) {
        const name = names[i];
        if (name === undefined) {
          if (parts[i] !== segments[i]) return undefined;
          continue;
        }
        const value = decodeSegment(parts[i]);
        if (value === undefined) return undefined;
        params[name] = value;
      }
      return params;
    },
  };
}

/** A decoded segment, or undefined for an empty one or one that decodes to a path separator or control chars. */
function decodeSegment(raw: string): string | undefined {
  if (raw === '') return undefined;
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return /[/\\\x00-\x1f\x7f]/.test(value) ? undefined : value;
}

import type { StandardSchemaV1 } from './schema/standardSchema';

/** The parameter names of a path pattern: `PathParams<'/docs/:id/:rev'>` is `'id' | 'rev'`. */
export type PathParams<P extends string> = ParamName<Segments<P>>;
type Segments<P extends string> = P extends `${infer Head}/${infer Rest}` ? Head | Segments<Rest> : P;
type ParamName<S> = S extends `:${infer Name}` ? Name : never;

/**
 * A resource at one path, with its document type (and optionally a schema): what `braid.resource`,
 * `braid.patch`, `client.resource`, `useBraid`, `useBraidSelector` and `useBraidStatus` accept in place of a
 * path, so that the type is written once for both sides.
 */
export interface ResourceToken<T = unknown> {
  readonly kind: 'resource';
  /** The exact path (`/api/doc`, `/docs/a%20b`), percent-encoded as it goes on the wire. */
  readonly path: string;
  /** The server validates every write against it (422 when it fails). */
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  /** Types only (never set): keeps T exact, so a ResourceToken<Doc> is no ResourceToken<Partial<Doc>>. */
  readonly '~document'?: (document: T) => T;
}

/**
 * A family of resources (`/docs/:id`): the server serves it with `braid.resource(pattern, …)`; one member is
 * `pattern.at({ id: 'a' })` or `pattern.path('/docs/a')`, a ResourceToken.
 */
export interface ResourcePattern<T = unknown, Param extends string = string> {
  readonly kind: 'pattern';
  /** The pattern as given (`/docs/:id`). */
  readonly pattern: string;
  /** Its parameter names, in order. */
  readonly params: readonly Param[];
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  readonly '~document'?: (document: T) => T;
  /** The member at these parameters (each percent-encoded into its segment). Throws on a missing or unusable one. */
  at(params: Readonly<Record<Param, string | number>>): ResourceToken<T>;
  /** The member at a concrete path (`/docs/a`). Throws if the path does not match the pattern. */
  path(concretePath: string): ResourceToken<T>;
}

/** What `defineResource(path)` gives: a pattern when the path has `:params`, else a token. */
export type ResourceDefinition<T, P extends string> = string extends P
  ? ResourceToken<T>
  : [PathParams<P>] extends [never]
    ? ResourceToken<T>
    : ResourcePattern<T, PathParams<P>>;

const PARAM = /^:([A-Za-z_$][A-Za-z0-9_$]*)$/;

/**
 * Names a resource and its document type once, for the server and the client:
 *
 *     const doc = defineResource<Doc>('/api/doc');             // a type only
 *     const doc = defineResource('/api/doc', DocSchema);        // a Standard Schema (zod, valibot…): type inferred,
 *                                                               // every write validated by the server
 *     const docs = defineResource('/docs/:id', DocSchema);      // a pattern; docs.at({ id }) is one document
 *
 * With an explicit type and a pattern, give the path type too (`defineResource<Doc, '/docs/:id'>('/docs/:id')`):
 * TypeScript cannot infer one type argument and take the other.
 */
export function defineResource<const P extends string, S extends StandardSchemaV1>(
  path: P,
  schema: S,
): ResourceDefinition<StandardSchemaV1.InferOutput<S>, P>;
export function defineResource<T = unknown, const P extends string = string>(
  path: P,
): ResourceDefinition<T, P>;
export function defineResource(
  path: string,
  schema?: StandardSchemaV1,
): ResourceToken<unknown> | ResourcePattern<unknown> {
  checkPath(path);
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new TypeError(
      `defineResource(${JSON.stringify(path)}): the schema has no Standard Schema v1 interface ('~standard'); ` +
        'zod 3.24+, valibot 1 and ArkType have one',
    );
  }
  const segments = path.split('/');
  const names = segments.map((segment) => PARAM.exec(segment)?.[1]);
  if (names.every((name) => name === undefined)) return token(path, schema);
  const params = names.filter((name): name is string => name !== undefined);
  const pattern: ResourcePattern<unknown> = {
    kind: 'pattern',
    pattern: path,
    params,
    schema,
    at(values) {
      const filled = segments.map((segment, i) => {
        const name = names[i];
        return name === undefined
          ? segment
          : encodeParam(path, name, (values as Record<string, unknown>)[name]);
      });
      return token(filled.join('/'), schema);
    },
    path(concretePath) {
      const parts = typeof concretePath === 'string' ? concretePath.split('/') : [];
      const matches =
        parts.length === segments.length &&
        parts.every((part, i) => (names[i] === undefined ? part === segments[i] : isUsableSegment(part)));
      if (!matches) {
        throw new TypeError(
          `${JSON.stringify(concretePath)} is not a path of the pattern ${JSON.stringify(path)}`,
        );
      }
      return token(concretePath, schema);
    },
  };
  return Object.freeze(pattern);
}

/**
 * The path to request for a key: the string itself, or a token's path. A pattern is no resource: it throws,
 * saying how to name one of its members.
 */
export function resourcePath<T>(key: string | ResourceToken<T> | ResourcePattern<T>): string {
  if (typeof key === 'string') return key;
  if (key?.kind === 'resource') return key.path;
  if (key?.kind === 'pattern') {
    const example = key.params.map((name) => `${name}: …`).join(', ');
    throw new TypeError(
      `${JSON.stringify(key.pattern)} is a path pattern, not one resource: use .at({ ${example} }) or .path('…')`,
    );
  }
  throw new TypeError(`not a resource path or token: ${String(key)}`);
}

/** Whether `value` has the Standard Schema v1 interface. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    props?.version === 1 &&
    typeof props.validate === 'function'
  );
}

function token(path: string, schema: StandardSchemaV1 | undefined): ResourceToken<unknown> {
  return Object.freeze({ kind: 'resource', path, schema });
}

function checkPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`defineResource: the path must start with "/" (got ${JSON.stringify(path)})`);
  }
  if (path.includes('?') || path.includes('#')) {
    throw new TypeError(
      `defineResource: the path must not contain a query or fragment (${JSON.stringify(path)})`,
    );
  }
}

/**
 * One parameter as a path segment. Refused: a missing or empty value, and ones the server would not match or a
 * URL would rewrite (`.`/`..` are resolved away, `/` would be another segment, control characters).
 */
function encodeParam(pattern: string, name: string, value: unknown): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (
    typeof text !== 'string' ||
    text === '' ||
    text === '.' ||
    text === '..' ||
    /[/\\\x00-\x1f\x7f]/.test(text)
  ) {
    throw new TypeError(
      `${pattern}.at(): parameter "${name}" must be a non-empty string or finite number without "/", "\\" or ` +
        `control characters, and not "." or ".." (got ${JSON.stringify(value)})`,
    );
  }
  return encodeURIComponent(text);
}

/** A raw segment the server matches as a parameter: non-empty, decodable, no separators or control characters. */
function isUsableSegment(raw: string): boolean {
  if (raw === '' || raw === '.' || raw === '..') return false;
  try {
    return !/[/\\\x00-\x1f\x7f]/.test(decodeURIComponent(raw));
  } catch {
    return false;
  }
}

import type { StandardSchemaV1 } from '@braid-live/core/protocol';
import { reasonOf } from '../errors';
import type { NativeRequest, Validate } from '../types';
import { ResourceError } from './resourceError';

/** Runs a resource's `validate` hook; any refusal is a ResourceError ('rejected-by-validate') with the hook's message. */
export async function runValidate(
  validate: Validate | undefined,
  next: unknown,
  prev: unknown,
  req: NativeRequest,
): Promise<void> {
  if (!validate) return;
  let verdict: unknown;
  try {
    verdict = await validate(next, prev, req);
  } catch (error) {
    throw new ResourceError('rejected-by-validate', reasonOf(error) || 'rejected by validate');
  }
  if (verdict === true || verdict === undefined) return;
  if (typeof verdict === 'string')
    throw new ResourceError('rejected-by-validate', reasonOf(verdict) || 'rejected by validate');
  throw new ResourceError('rejected-by-validate', 'rejected by validate');
}

/** How many of a schema's issues a refusal names (the rest are counted). */
const ISSUES_NAMED = 5;

/**
 * Checks the value a write would produce against the resource's Standard Schema: once per write, on the whole
 * document, after its patches applied. A refusal is a ResourceError ('rejected-by-validate', 422) naming the
 * schema's issues. The value is stored as written, never as the schema's output: a schema whose output differs
 * (a default filled in, a transform, an unknown key stripped) refuses the write too, so the stored document is
 * always exactly what the schema's type says.
 */
export async function checkSchema(schema: StandardSchemaV1, value: unknown): Promise<void> {
  const problem = await schemaProblem(schema, value);
  if (problem !== undefined) throw new ResourceError('rejected-by-validate', problem);
}

/**
 * What is wrong with `value` for `schema` (one line, for people), or undefined when it conforms. Sync schemas
 * answer synchronously (so `braid.resource` can throw at once for an initial value that does not conform).
 */
export function schemaProblem(
  schema: StandardSchemaV1,
  value: unknown,
): string | undefined | Promise<string | undefined> {
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(value);
  } catch (error) {
    return `the schema threw: ${reasonOf(error)}`;
  }
  if (result instanceof Promise) {
    return result.then(
      (settled) => problemOf(settled, value),
      (error: unknown) => `the schema threw: ${reasonOf(error)}`,
    );
  }
  return problemOf(result, value);
}

function problemOf(result: StandardSchemaV1.Result<unknown>, value: unknown): string | undefined {
  if (result.issues) {
    const named = result.issues.slice(0, ISSUES_NAMED).map(describeIssue);
    const more = result.issues.length - named.length;
    return `does not match the schema: ${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  }
  const changed = firstDifference(value, result.value);
  if (changed === undefined) return undefined;
  return (
    `the schema changes the value at ${changed || '/'} (a default, a transform or a stripped key): the ` +
    'server stores values as written, so write the value in its final form'
  );
}

function describeIssue(issue: StandardSchemaV1.Issue): string {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment))
    .join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * The JSON Pointer of the first place where two JSON values differ, or undefined when they are equal. The
 * common case (equal) builds no strings: the path is made on the way back from a difference only.
 */
function firstDifference(a: unknown, b: unknown): string | undefined {
  const path: string[] = [];
  if (!differenceAt(a, b, path)) return undefined;
  return path
    .reverse()
    .map((key) => `/${escapePointer(key)}`)
    .join('');
}

/** Whether `a` and `b` differ; on a difference `path` gets the keys leading to it, innermost first. */
function differenceAt(a: unknown, b: unknown, path: string[]): boolean {
  if (a === b) return false;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return !Object.is(a, b);
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return true;
  if (aIsArray) {
    const left = a as unknown[];
    const right = b as unknown[];
    if (left.length !== right.length) return true;
    for (let i = 0; i < left.length; i++) {
      if (differenceAt(left[i], right[i], path)) {
        path.push(String(i));
        return true;
      }
    }
    return false;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  for (const key of keys) {
    if (!Object.hasOwn(right, key) || differenceAt(left[key], right[key], path)) {
      path.push(key);
      return true;
    }
  }
  const rightKeys = Object.keys(right);
  if (rightKeys.length !== keys.length) {
    // Every key of the left is on the right: the right has one more.
    const extra = rightKeys.find((key) => !Object.hasOwn(left, key));
    if (extra !== undefined) path.push(extra);
    return true;
  }
  return false;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The initial value must satisfy its own schema: with a sync schema this throws at once (at `braid.resource`,
 * i.e. at startup); with an async one it resolves or rejects, and the resource's load fails with this error.
 */
export function checkInitialValue(
  path: string,
  schema: StandardSchemaV1,
  initial: unknown,
): void | Promise<void> {
  const fail = (problem: string) =>
    new TypeError(`braid.resource(${JSON.stringify(path)}): the initial value ${problem}`);
  const problem = schemaProblem(schema, initial);
  if (problem instanceof Promise) {
    return problem.then((found) => {
      if (found !== undefined) throw fail(found);
    });
  }
  if (problem !== undefined) throw fail(problem);
}

import { createHash, randomBytes } from 'node:crypto';
import { jsonPiecesInSteps } from '../json/jsonInSteps';

/**
 * Server-made version ids: `<random prefix>-<counter>`. The random prefix (new per server instance) keeps ids
 * unique across restarts and processes, which matters because a known id makes a write a duplicate.
 */
export function createVersionIdFactory(): () => string {
  const prefix = `s${randomBytes(6).toString('base64url')}`;
  let counter = 0;
  return () => `${prefix}-${++counter}`;
}

/**
 * The version id of a resource's initial value when `initialVersion` does not name one (DESIGN.md "Initial
 * version"): `init-` + 16 base64url characters of SHA-256 over the path and the initial value's JSON. The same
 * path and initial value give the same id after a restart (so a client resuming from it resumes); a different
 * initial value gives a different id (so a client holding the old one gets a snapshot, not a wrong catch-up).
 * No client-made id starts with `init-` by accident, and a write that claims it anyway is answered 409.
 * The JSON is made and hashed in steps (jsonPiecesInSteps): an app's initial value may be big.
 */
export function* initialVersionIdInSteps(path: string, value: unknown): Generator<undefined, string> {
  const json = yield* jsonPiecesInSteps(value);
  const hash = createHash('sha256').update(path).update('\0');
  if (json === undefined) hash.update('undefined');
  // (Each piece hashed as it is: the pieces never split a surrogate pair, so the bytes are the joined text's.)
  for (const piece of json ?? []) {
    hash.update(piece);
    yield;
  }
  return `init-${hash.digest('base64url').slice(0, 16)}`;
}

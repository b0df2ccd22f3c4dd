import { HttpError, reasonOf } from '../errors';
import type { BraidRequest, Validate } from '../types';

/** Runs a resource's `validate` hook; any refusal becomes a 422 with the hook's message. */
export async function runValidate(
  validate: Validate | undefined,
  next: unknown,
  prev: unknown,
  req: BraidRequest,
): Promise<void> {
  if (!validate) return;
  let verdict: unknown;
  try {
    verdict = await validate(next, prev, req);
  } catch (error) {
    throw new HttpError(422, reasonOf(error) || 'rejected by validate');
  }
  if (verdict === true || verdict === undefined) return;
  if (typeof verdict === 'string') throw new HttpError(422, reasonOf(verdict) || 'rejected by validate');
  throw new HttpError(422, 'rejected by validate');
}

import { reasonOf } from '../errors';
import type { BraidRequest, Validate } from '../types';
import { ResourceError } from './resourceError';

/** Runs a resource's `validate` hook; any refusal is a ResourceError ('rejected-by-validate') with the hook's message. */
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
    throw new ResourceError('rejected-by-validate', reasonOf(error) || 'rejected by validate');
  }
  if (verdict === true || verdict === undefined) return;
  if (typeof verdict === 'string')
    throw new ResourceError('rejected-by-validate', reasonOf(verdict) || 'rejected by validate');
  throw new ResourceError('rejected-by-validate', 'rejected by validate');
}

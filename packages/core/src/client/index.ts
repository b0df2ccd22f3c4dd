export { BraidClient } from './BraidClient';
export { BraidError, type BraidErrorKind } from './BraidError';
export { backoffDelay, parseRetryAfter, type RetryOptions } from './backoff';
export { Resource } from './Resource';
export type { BraidClientOptions, ConnectionState, FetchLike, ResourceStatus, SetAction } from './types';

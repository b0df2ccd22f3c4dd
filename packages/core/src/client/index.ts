export { BraidClient } from './BraidClient';
export { BraidError, type BraidErrorKind } from './BraidError';
export { backoffDelay, parseRetryAfter, type RetryOptions } from './backoff';
export { ClientResource } from './ClientResource';
export type { BraidClientEvent } from './events';
export type { ConnectionPhase } from './machine/connectionMachine';
export type { WritePhase } from './machine/writeMachine';
export type {
  BraidClientOptions,
  ConnectionState,
  FetchLike,
  HeadersOption,
  ResourceStatus,
  SetAction,
} from './types';

import type { ClientResource } from './ClientResource';
/** @deprecated Renamed ClientResource (a server has resources too). */
export type Resource<T = unknown> = ClientResource<T>;
export type { PersistOptions } from '../persist/ClientPersistence';
export type { Loaded, PersistStore, Replica, StoredReplica } from '../persist/types';
export { onUnsavedChanges, type UnsavedStatus, unsavedChanges } from './unsaved';
export { warnBeforeUnload } from './warnBeforeUnload';

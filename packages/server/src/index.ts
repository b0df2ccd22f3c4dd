export {
  defineResource,
  type PathParams,
  type ResourceDefinition,
  type ResourcePattern,
  type ResourceToken,
  type StandardSchemaV1,
} from '@braid-live/core/protocol';
export { type BraidPluginOptions, braidPlugin, type FastifyLike } from './adapters/fastify';
export type { FollowHandlers, SeqRecord, SharedLog } from './cluster/sharedLog';
export { RESOURCE_ERROR_STATUS } from './errors';
export type { CorsOption, CorsOrigin } from './http/cors';
export { HISTORY_MEDIA_TYPE } from './http/read';
export { type BraidLimits, DEFAULT_LIMITS } from './limits';
export { ResourceError, type ResourceErrorCode } from './resource/resourceError';
export { createBraidServer } from './server';
export type { FileStore, FileStoreOptions, FileStoreStats, StoreFileHandle, StoreFs } from './store';
export { fileStore, memoryStore } from './store';
export type { BraidStore, StoredResource, VersionRecord } from './store/types';
export type { SubscriptionSink } from './subscriptions/sink';
export type { PresenceOptions } from './text/presence';
export type {
  Authorize,
  AuthorizeAction,
  AuthorizeContext,
  AuthorizeDenial,
  BraidRequest,
  BraidResponse,
  BraidServer,
  BraidServerOptions,
  BraidServerStats,
  HistoryEntry,
  Recipe,
  ResourceChange,
  ResourceOptions,
  ResourceSnapshot,
  ResourceTarget,
  TokenResourceOptions,
  Validate,
} from './types';

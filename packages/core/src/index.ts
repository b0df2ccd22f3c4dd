// @braid-live/core: the framework-free live resource client, and the typed resources it shares with servers.
// The protocol itself (update stream parser, serializer, json ranges, apply, transform, diff, multiplexing frames)
// is the entry @braid-live/core/protocol: an app's bundler then only reaches the parts the client uses, and
// splits what it loads on demand (the write path, the multiplexer, persistence) into chunks of their own.
export * from './client/index';
export {
  defineResource,
  isStandardSchema,
  type PathParams,
  type ResourceDefinition,
  type ResourcePattern,
  type ResourceToken,
  resourcePath,
} from './defineResource';
export { BraidProtocolError } from './protocol/errors';
export type { JsonPatch, ParsedRange, PatchFrame, PathSegment, Update } from './protocol/types';
export type { StandardSchemaV1 } from './schema/standardSchema';

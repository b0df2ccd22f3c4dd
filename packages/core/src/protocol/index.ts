// @braid-live/core/protocol: Braid-HTTP wire format and json ranges, shared by client and server.
// Pure TypeScript: no Node built-ins, no React.

// Typed resources: a path and its document type (or Standard Schema), shared by server and client.
export {
  defineResource,
  isStandardSchema,
  type PathParams,
  type ResourceDefinition,
  type ResourcePattern,
  type ResourceToken,
  resourcePath,
} from '../defineResource';
export type { StandardSchemaV1 } from '../schema/standardSchema';
export { applyJsonPatch, applyJsonPatches, PatchWriter, resolveJsonPatches } from './applyJsonPatch';
export { codePointLength } from './codePoints';
export { appendComposed, collapsePatches } from './composePatches';
export { type DiffOptions, diffJson } from './diffJson';
export { BraidProtocolError } from './errors';
export { forgetOldest } from './forgetOldest';
export { type ImmerPatch, immerPatchesToBraid } from './immerPatches';
export { invertPatches } from './invertPatches';
export { checkJsonContent, parseJsonContent } from './jsonContent';
export { FORBIDDEN_KEYS, formatJsonRange, parseJsonRange } from './jsonRange';
export {
  createMultiplexParser,
  isMultiplexId,
  MULTIPLEX_VERSION,
  MULTIPLEXER_PATH,
  type MultiplexHandlers,
  multiplexCloseFrame,
  multiplexDataHeader,
  multiplexStartFrame,
  parseResponseHead,
  type ResponseHead,
} from './multiplexFrames';
export { fromOp, type Op, toOp } from './ops';
export { createUpdateParser, type UpdateParser, type UpdateParserOptions } from './parseUpdateStream';
export {
  type PatchInput,
  parsePatchesBody,
  serializeUpdate,
  serializeWrite,
  snapshotFraming,
  type UpdateInput,
  type WireContent,
  type WriteInput,
  type WriteRequest,
} from './serialize';
export { transformPatch, transformPatches, transformPatchLists } from './transform';
export type { JsonPatch, ParsedRange, PatchFrame, PathSegment, Update } from './types';
export {
  formatVersions,
  isSubscribeRequest,
  parseContentRange,
  parseHeartbeats,
  parseVersions,
} from './versions';

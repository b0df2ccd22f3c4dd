export type {
  BraidError,
  PathParams,
  ResourceDefinition,
  ResourcePattern,
  ResourceStatus,
  ResourceToken,
  SetAction,
  StandardSchemaV1,
} from '@braid-live/core';
export { BraidClient, defineResource } from '@braid-live/core';
export { BraidProvider, useBraidClient } from './BraidProvider';
export { type BraidStatus, IDLE_STATUS, type IdleStatus } from './idleSource';
export {
  type BraidKey,
  type BraidSetter,
  type MaybeBraidKey,
  type UseBraidOptions,
  useBraid,
  useResource,
} from './useBraid';
export { useBraidSelector } from './useBraidSelector';
export { useBraidStatus } from './useBraidStatus';
export { type BraidTextState, useBraidText } from './useBraidText';
export { type BraidUndo, useBraidUndo } from './useBraidUndo';

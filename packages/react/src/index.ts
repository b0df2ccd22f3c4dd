export type { BraidError, ResourceStatus, SetAction } from '@braid-live/core';
export { BraidClient } from '@braid-live/core';
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

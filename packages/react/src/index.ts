export type { BraidError, ResourceStatus, SetAction } from '@braid-live/core';
export { BraidClient } from '@braid-live/core';
export { BraidProvider, useBraidClient } from './BraidProvider';
export { type UseBraidOptions, useBraid, useResource } from './useBraid';
export { useBraidSelector } from './useBraidSelector';
export { useBraidStatus } from './useBraidStatus';
export { type BraidTextState, useBraidText } from './useBraidText';

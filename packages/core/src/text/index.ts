// @braid-live/core/text: collaborative plain text (simpleton) — splices in code points, a client, bindings.
export { codePointLength } from '../protocol/codePoints';
export { type BindableElement, bindTextarea } from './bindText';
export {
  type CaretEntry,
  mapOffset,
  type RemoteCaret,
  RemoteCarets,
  type RemoteCaretsOptions,
} from './remoteCarets';
export {
  applySplices,
  checkSplices,
  composeSplices,
  diffText,
  patchesToSplices,
  sortSplices,
  spliceEventCount,
  splicesToPatches,
  type TextSplice,
  toIndexRange,
} from './splices';
export { type PresenceClientOptions, TextPresence } from './TextPresence';
export { type TextChange, TextResource, type TextResourceOptions, type TextStatus } from './TextResource';
export { transformSplices } from './transformSplices';

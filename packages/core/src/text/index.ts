// @braid-live/core/text: collaborative plain text (simpleton) — splices in code points, a client, bindings.
export { codePointLength } from '../protocol/codePoints';
export { type BindableElement, bindTextarea } from './bindText';
export {
  applySplices,
  checkSplices,
  diffText,
  patchesToSplices,
  sortSplices,
  spliceEventCount,
  splicesToPatches,
  type TextSplice,
  toIndexRange,
} from './splices';
export { type TextChange, TextResource, type TextResourceOptions, type TextStatus } from './TextResource';

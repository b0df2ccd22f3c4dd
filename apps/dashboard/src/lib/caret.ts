/**
 * Where a selection goes when the text under it changes remotely. The change is found as the span between the
 * common prefix and the common suffix of the two texts (the same way the client diffs strings). A position
 * before the change stays, one after it moves by the change's length difference, one inside the replaced span
 * goes to the end of the new text there. Offsets are UTF-16 indices, as textarea.selectionStart uses.
 */
export function rebaseSelection(
  before: string,
  after: string,
  selection: { start: number; end: number },
): { start: number; end: number } {
  if (before === after) return selection;
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++;
  // The prefix is taken greedily: when the change is ambiguous (a character inserted next to an equal one), a
  // caret there stays put and the remote text appears after it, never moving the user's typing position.
  const removedEnd = before.length - suffix;
  const delta = after.length - before.length;
  const move = (offset: number): number => {
    if (offset <= prefix) return offset;
    if (offset >= removedEnd) return offset + delta;
    return after.length - suffix; // inside the replaced span: after the new text
  };
  return { start: move(selection.start), end: move(selection.end) };
}

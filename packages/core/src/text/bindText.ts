import { codePointLength } from '../protocol/codePoints';
import { diffText, type TextSplice, toIndexRange } from './splices';
import type { TextChange, TextResource } from './TextResource';

/** The three kinds of plain-text inputs a binding drives: value + selection in UTF-16 indices. */
interface TextSurface {
  read(): string;
  write(text: string): void;
  selection(): { start: number; end: number; direction?: 'forward' | 'backward' | 'none' } | undefined;
  select(start: number, end: number, direction?: 'forward' | 'backward' | 'none'): void;
}

export type BindableElement = HTMLTextAreaElement | HTMLInputElement | HTMLElement;

/**
 * Binds a `<textarea>`, an `<input>` or a `contenteditable` element (plain text) to a TextResource, for
 * several people typing at once. Returns the function that unbinds.
 *
 * - Local input: each `input` event becomes the splice the browser says it made (from `beforeinput`'s
 *   selection and the event type), checked against the new value; only when that does not add up (autocorrect,
 *   drag and drop, undo…) is the value diffed.
 * - Remote edits: the element gets the new text and the caret/selection is moved by exactly the remote splices
 *   (a caret before an edit stays, after it shifts, inside a replaced span goes to its end; a remote insert at
 *   the caret appears after it).
 * - IME composition: remote updates are held from `compositionstart` to `compositionend`, then the composed
 *   text is sent and the held updates applied (or replaced by the server's catch-up).
 */
export function bindTextarea(resource: TextResource, element: BindableElement): () => void {
  const surface = surfaceOf(element);
  let composing = false;
  let before: { value: string; start: number; end: number; inputType: string } | undefined;

  const showRemote = (change: TextChange) => {
    const old = surface.read();
    if (old === change.text) return;
    const splices = change.splices ?? diffText(old, change.text);
    const selection = surface.selection();
    const scroll = element.scrollTop;
    surface.write(change.text);
    if (selection) {
      const start = mapIndex(old, change.text, selection.start, splices);
      const end =
        selection.end === selection.start ? start : mapIndex(old, change.text, selection.end, splices);
      surface.select(start, end, selection.direction);
    }
    element.scrollTop = scroll;
  };

  const onBeforeInput = (event: Event) => {
    const selection = surface.selection();
    before = selection && {
      value: surface.read(),
      start: selection.start,
      end: selection.end,
      inputType: (event as InputEvent).inputType ?? '',
    };
  };

  const onInput = (event: Event) => {
    if (composing || (event as InputEvent).isComposing) return;
    sendLocal();
  };

  const sendLocal = () => {
    const value = surface.read();
    const known = resource.text;
    const record = before;
    before = undefined;
    if (value === known) return;
    const splice =
      record && record.value === known ? spliceFromEvent(record, value, surface.selection()) : undefined;
    if (splice) resource.edit([splice]);
    else resource.setText(value);
  };

  const onCompositionStart = () => {
    if (composing) return;
    composing = true;
    resource.hold();
  };

  const onCompositionEnd = () => {
    if (!composing) return;
    composing = false;
    before = undefined;
    sendLocal(); // the composed text, as a diff against the text the composition started on
    resource.release();
  };

  // Remote edits, and local ones made on the resource rather than in the element (`resource.setText(...)`):
  // an edit typed here already is in the element (showRemote then does nothing).
  const unsubscribe = resource.subscribe((change) => {
    if (change.source !== 'local' || !composing) showRemote(change);
  });
  if (resource.isLoaded && surface.read() !== resource.text) surface.write(resource.text);

  element.addEventListener('beforeinput', onBeforeInput);
  element.addEventListener('input', onInput);
  element.addEventListener('compositionstart', onCompositionStart);
  element.addEventListener('compositionend', onCompositionEnd);
  return () => {
    unsubscribe();
    element.removeEventListener('beforeinput', onBeforeInput);
    element.removeEventListener('input', onInput);
    element.removeEventListener('compositionstart', onCompositionStart);
    element.removeEventListener('compositionend', onCompositionEnd);
    if (composing) resource.release();
  };
}

/**
 * The splice an input event made, from the selection before it, its type and the value and caret after it:
 * inserts replace the selection by the text up to the new caret, deletions remove the selection (or the
 * characters the caret passed over). Undefined when the numbers do not add up (then the caller diffs).
 */
function spliceFromEvent(
  record: { value: string; start: number; end: number; inputType: string },
  after: string,
  caret: { start: number; end: number } | undefined,
): TextSplice | undefined {
  if (!caret || caret.start !== caret.end) return undefined;
  const { value, start, end, inputType } = record;
  const c = caret.start;
  let from: number;
  let to: number;
  let inserted: string;
  if (inputType.startsWith('insert')) {
    if (c < start || value.length - (end - start) + (c - start) !== after.length) return undefined;
    from = start;
    to = end;
    inserted = after.slice(start, c);
  } else if (inputType.startsWith('delete')) {
    const removed = value.length - after.length;
    if (removed <= 0) return undefined;
    if (start !== end) {
      if (removed !== end - start || c !== start) return undefined;
      from = start;
      to = end;
    } else if (c === start) {
      from = start; // forward: the characters after the caret
      to = start + removed;
    } else if (c === start - removed) {
      from = c; // backward
      to = start;
    } else return undefined;
    inserted = '';
  } else return undefined;
  // A cheap check of the claim: the text around the change is unchanged.
  if (value.charCodeAt(from - 1) !== after.charCodeAt(from - 1)) return undefined;
  if (value.charCodeAt(to) !== after.charCodeAt(from + inserted.length)) return undefined;
  const cpStart = codePointLength(value.slice(0, from));
  return { start: cpStart, end: cpStart + codePointLength(value.slice(from, to)), content: inserted };
}

/**
 * Where UTF-16 index `index` of `old` goes in `next` when `splices` (code points, parallel against `old`)
 * turned one into the other.
 */
function mapIndex(old: string, next: string, index: number, splices: readonly TextSplice[]): number {
  const cp = codePointLength(old.slice(0, index));
  let shift = 0;
  for (const s of splices) {
    // At or after the caret (an insert right at the caret lands after it): nothing further moves it.
    if (s.start >= cp) break;
    const inserted = codePointLength(s.content);
    if (s.end <= cp) {
      shift += inserted - (s.end - s.start);
      continue;
    }
    // Inside a replaced span: to the end of its new text.
    shift += s.start - cp + inserted;
    break;
  }
  return toIndexRange(next, 0, cp + shift)[1];
}

function surfaceOf(element: BindableElement): TextSurface {
  if ('value' in element && 'setSelectionRange' in element) {
    const input = element as HTMLTextAreaElement | HTMLInputElement;
    return {
      read: () => input.value,
      write: (text) => {
        input.value = text;
      },
      selection: () =>
        input.selectionStart === null || input.selectionEnd === null
          ? undefined
          : {
              start: input.selectionStart,
              end: input.selectionEnd,
              direction: input.selectionDirection ?? undefined,
            },
      select: (start, end, direction) => {
        if (element.ownerDocument.activeElement === element) input.setSelectionRange(start, end, direction);
      },
    };
  }
  return editableSurface(element);
}

/** A contenteditable element holding plain text (text nodes; `<br>` read as a line break). */
function editableSurface(element: HTMLElement): TextSurface {
  const doc = element.ownerDocument;
  const offsetOf = (node: Node, offset: number): number => {
    const range = doc.createRange();
    range.selectNodeContents(element);
    range.setEnd(node, offset);
    return range.toString().length;
  };
  const pointAt = (index: number): { node: Node; offset: number } => {
    const walker = doc.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let left = index;
    let last: Node | null = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const length = node.textContent?.length ?? 0;
      if (left <= length) return { node, offset: left };
      left -= length;
      last = node;
    }
    return last ? { node: last, offset: last.textContent?.length ?? 0 } : { node: element, offset: 0 };
  };
  return {
    read: () => element.textContent ?? '',
    write: (text) => {
      element.textContent = text;
    },
    selection: () => {
      const selection = doc.getSelection();
      if (!selection || selection.rangeCount === 0) return undefined;
      const range = selection.getRangeAt(0);
      if (!element.contains(range.startContainer) || !element.contains(range.endContainer)) return undefined;
      return {
        start: offsetOf(range.startContainer, range.startOffset),
        end: offsetOf(range.endContainer, range.endOffset),
      };
    },
    select: (start, end) => {
      const selection = doc.getSelection();
      if (!selection || doc.activeElement !== element) return;
      const a = pointAt(start);
      const b = pointAt(end);
      const range = doc.createRange();
      range.setStart(a.node, a.offset);
      range.setEnd(b.node, b.offset);
      selection.removeAllRanges();
      selection.addRange(range);
    },
  };
}

import { useBraid } from '@braid-live/react';
import { type ChangeEvent, useCallback, useLayoutEffect, useRef } from 'react';
import { rebaseSelection } from '../lib/caret';

interface TextDoc {
  text: string;
}

/**
 * Binds a textarea to the `text` field of a shared resource, for several people typing at once.
 *
 * - Every input event writes the whole new value (`d.text = value`); the client turns it into one code-point
 *   splice, and concurrent splices are transformed by the client and the server, so nobody's characters are lost.
 * - The textarea is uncontrolled: React never writes its value. When the shared text changes under it (a remote edit),
 *   the new text is put in and the caret/selection is moved by what changed before it, so the user keeps typing
 *   where they were. During IME composition remote changes wait until the composition ends.
 */
export function useSharedText(url: string) {
  const [doc, setDoc, status] = useBraid<TextDoc>(url);
  const element = useRef<HTMLTextAreaElement | null>(null);
  const composing = useRef(false);
  const text = doc?.text;
  const latestText = useRef(text);
  latestText.current = text;

  const applyRemote = useCallback((next: string) => {
    const el = element.current;
    if (!el || el.value === next || composing.current) return;
    if (document.activeElement !== el) {
      el.value = next;
      return;
    }
    const { scrollTop } = el;
    const selection = rebaseSelection(el.value, next, { start: el.selectionStart, end: el.selectionEnd });
    el.value = next;
    el.setSelectionRange(selection.start, selection.end, el.selectionDirection);
    el.scrollTop = scrollTop;
  }, []);

  // Before paint, so the caret never visibly jumps.
  useLayoutEffect(() => {
    if (text !== undefined) applyRemote(text);
  }, [text, applyRemote]);

  const onChange = useCallback(
    (event: ChangeEvent<HTMLTextAreaElement>) => {
      const value = event.currentTarget.value;
      setDoc((draft) => {
        draft.text = value;
      });
    },
    [setDoc],
  );

  // No defaultValue: React would write later values into it, which moves the caret of an untouched textarea.
  // The text is put in when the element attaches, and by applyRemote afterwards.
  const ref = useCallback((el: HTMLTextAreaElement | null) => {
    element.current = el;
    if (el && latestText.current !== undefined) el.value = latestText.current;
  }, []);

  const onCompositionStart = useCallback(() => {
    composing.current = true;
  }, []);
  const onCompositionEnd = useCallback(() => {
    composing.current = false;
    if (latestText.current !== undefined) applyRemote(latestText.current);
  }, [applyRemote]);

  return {
    text,
    status,
    textareaProps: { ref, onChange, onCompositionStart, onCompositionEnd },
  };
}

import type { BraidError } from '@braid-live/core';
import { bindTextarea, TextResource, type TextResourceOptions, type TextStatus } from '@braid-live/core/text';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';

export interface BraidTextState {
  /** The text, or undefined until it loaded. */
  text: string | undefined;
  status: TextStatus;
  /** Local edits not yet acknowledged by the server. */
  pending: boolean;
  /** The last error (a refused edit or subscription), until the next load. */
  error: BraidError | undefined;
  /** Ref callback for a `<textarea>`, `<input>` or contenteditable element: binds it (see bindTextarea). */
  bind: (element: HTMLTextAreaElement | HTMLInputElement | HTMLElement | null) => void;
  /** The underlying TextResource (for programmatic edits: `resource.edit(...)`, `resource.setText(...)`). */
  resource: TextResource | undefined;
}

interface Shared {
  resource: TextResource;
  users: number;
  closeTimer?: ReturnType<typeof setTimeout>;
}

const shared = new Map<string, Shared>();

/** One TextResource per URL and options key, shared by every component using it, closed when the last leaves. */
function acquire(key: string, url: string, options: TextResourceOptions): TextResource {
  let entry = shared.get(key);
  if (!entry) {
    entry = { resource: new TextResource(url, options), users: 0 };
    shared.set(key, entry);
  }
  clearTimeout(entry.closeTimer);
  entry.users++;
  return entry.resource;
}

function release(key: string): void {
  const entry = shared.get(key);
  if (!entry) return;
  entry.users--;
  // Not at once: StrictMode (and a quick remount) acquire again right after releasing.
  if (entry.users === 0)
    entry.closeTimer = setTimeout(() => {
      if (entry.users > 0) return;
      shared.delete(key);
      entry.resource.close();
    }, 1000);
}

/**
 * A live collaborative plain text (a `braid.text` resource, or any simpleton server such as braid-text):
 *
 *     const { text, bind, status } = useBraidText('/docs/readme');
 *     return <textarea ref={bind} />;
 *
 * The element is uncontrolled: the binding writes it and keeps the caret where the person is typing while
 * others edit; every keystroke is sent as a code-point splice.
 */
export function useBraidText(url: string, options: TextResourceOptions = {}): BraidTextState {
  const key = `${url}\n${options.peer ?? ''}`;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const [resource, setResource] = useState<TextResource | undefined>();
  useEffect(() => {
    const r = acquire(key, url, optionsRef.current);
    setResource(r);
    return () => {
      setResource(undefined);
      release(key);
    };
  }, [key, url]);

  const version = useSyncExternalStore(
    useCallback(
      (notify: () => void) => {
        if (!resource) return () => {};
        const a = resource.subscribe(notify);
        const b = resource.onStatus(notify);
        return () => {
          a();
          b();
        };
      },
      [resource],
    ),
    () =>
      resource ? `${resource.status}|${resource.pending}|${resource.text}|${resource.error?.message}` : '',
    () => '',
  );
  void version;

  const unbind = useRef<(() => void) | undefined>(undefined);
  const element = useRef<HTMLTextAreaElement | HTMLInputElement | HTMLElement | null>(null);
  const bind = useCallback(
    (el: HTMLTextAreaElement | HTMLInputElement | HTMLElement | null) => {
      unbind.current?.();
      unbind.current = undefined;
      element.current = el;
      if (el && resource) unbind.current = bindTextarea(resource, el);
    },
    [resource],
  );
  // The resource may come after the element (first render): bind then.
  useEffect(() => {
    if (resource && element.current && !unbind.current)
      unbind.current = bindTextarea(resource, element.current);
    return () => {
      unbind.current?.();
      unbind.current = undefined;
    };
  }, [resource]);

  return {
    text: resource?.isLoaded ? resource.text : undefined,
    status: resource?.status ?? 'connecting',
    pending: resource?.pending ?? false,
    error: resource?.error,
    bind,
    resource,
  };
}

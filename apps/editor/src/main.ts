// The editor page: one shared text (braid.text) in a textarea, and everyone's caret (braid.presence) drawn over it.
import {
  bindTextarea,
  type CaretEntry,
  codePointLength,
  RemoteCarets,
  TextPresence,
  TextResource,
  toIndexRange,
} from '@braid-live/core/text';

const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080', '#9a6324', '#800000'];
const params = new URLSearchParams(location.search);
const doc = location.pathname.slice(1) || 'notes';
const name = (params.get('name') ?? `guest ${Math.floor(Math.random() * 900 + 100)}`).slice(0, 40);
const color = params.get('color') ?? COLORS[Math.floor(Math.random() * COLORS.length)];

const textarea = document.getElementById('text') as HTMLTextAreaElement;
const overlay = document.getElementById('overlay') as HTMLDivElement;
const people = document.getElementById('people') as HTMLUListElement;
const status = document.getElementById('status') as HTMLSpanElement;
(document.getElementById('doc-name') as HTMLSpanElement).textContent = doc;

const text = new TextResource(`/docs/${encodeURIComponent(doc)}`);
const presence = new TextPresence<CaretEntry>(`/presence/${encodeURIComponent(doc)}`);
bindTextarea(text, textarea);

/** This person's selection in code points (kept while the textarea is not focused). */
let mine: { anchor: number; head: number } | undefined;
const readSelection = () => {
  if (document.activeElement !== textarea) return;
  const value = textarea.value;
  const start = codePointLength(value.slice(0, textarea.selectionStart));
  const end = start + codePointLength(value.slice(textarea.selectionStart, textarea.selectionEnd));
  mine =
    textarea.selectionDirection === 'backward' ? { anchor: end, head: start } : { anchor: start, head: end };
};
const carets = new RemoteCarets(text, presence, {
  name,
  color,
  selection: () => {
    readSelection();
    return mine;
  },
});

const onSelection = () => {
  readSelection();
  carets.publish();
};
for (const type of ['select', 'input', 'keyup', 'mouseup', 'focus'])
  textarea.addEventListener(type, onSelection);
document.addEventListener('selectionchange', onSelection);

function render(): void {
  const value = textarea.value;
  const length = codePointLength(value);
  const marks = carets.carets
    .map((c) => ({ ...c, head: Math.min(c.head, length), anchor: Math.min(c.anchor, length) }))
    .sort((a, b) => a.head - b.head);
  overlay.replaceChildren();
  let at = 0; // UTF-16 index in value already written
  for (const caret of marks) {
    const [index] = toIndexRange(value, caret.head, caret.head);
    overlay.append(value.slice(at, index));
    at = index;
    const mark = document.createElement('span');
    mark.className = 'caret';
    mark.dataset.testid = 'caret';
    mark.dataset.name = caret.name;
    mark.dataset.offset = String(caret.head);
    mark.dataset.anchor = String(caret.anchor);
    mark.dataset.exact = String(caret.exact);
    mark.style.setProperty('--color', caret.color);
    const label = document.createElement('span');
    label.className = 'caret-label';
    label.textContent = caret.name;
    mark.append(label);
    overlay.append(mark);
  }
  overlay.append(value.slice(at), '\n');
  overlay.scrollTop = textarea.scrollTop;

  const entries = [...presence.peers].filter(([, e]) => typeof e?.name === 'string');
  people.replaceChildren(
    ...entries.map(([peer, entry]) => {
      const li = document.createElement('li');
      li.dataset.name = entry.name;
      li.style.setProperty('--color', entry.color);
      li.textContent = peer === presence.peer ? `${entry.name} (you)` : entry.name;
      return li;
    }),
  );
}

carets.subscribe(render);
presence.subscribe(render);
text.subscribe(render);
textarea.addEventListener('scroll', () => {
  overlay.scrollTop = textarea.scrollTop;
});
text.onStatus(() => {
  status.textContent = text.status;
  status.dataset.state = text.status;
  textarea.disabled = !text.isLoaded;
});
text.ready.then(() => {
  textarea.disabled = false;
  textarea.focus();
  onSelection();
  render();
});
addEventListener('pagehide', () => {
  carets.close();
  presence.close();
  text.close();
});

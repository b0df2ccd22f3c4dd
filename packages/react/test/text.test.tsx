// @vitest-environment jsdom
// useBraidText against a real @braid-live/server on 127.0.0.1 (a `braid.text` resource), rendered with
// @testing-library/react: typing is sent as splices, remote edits keep the caret, an IME composition holds
// remote edits until it ends, and unmounting releases the subscription on the server.
import { TextResource } from '@braid-live/core/text';
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer, waitFor } from '../../core/test/client/harness';
import { useBraidText } from '../src/index';

let server: TestServer;
let url: string;
const others: TextResource[] = [];

beforeEach(async () => {
  server = await startServer(() => ({
    define: (braid) => braid.text('/doc', { initial: 'hello world' }),
  }));
  url = `${server.base}/doc`;
});
afterEach(async () => {
  cleanup();
  for (const other of others.splice(0)) other.close();
  await server.stop();
});

let mountedResource: TextResource | undefined;
function Editor({ peer }: { peer: string }) {
  const { text, status, pending, bind, resource } = useBraidText(url, { peer });
  mountedResource = resource;
  return (
    <div>
      <textarea ref={bind} data-testid="area" />
      <span data-testid="status">{status}</span>
      <span data-testid="pending">{String(pending)}</span>
      <span data-testid="text">{text ?? 'loading'}</span>
    </div>
  );
}

/** Another person, editing through the framework-free client. */
async function otherPerson(peer = 'other'): Promise<TextResource> {
  const other = new TextResource(url, { peer });
  others.push(other);
  await other.ready;
  return other;
}

const area = () => screen.getByTestId('area') as HTMLTextAreaElement;
const serverText = async () => (await server.braid.get<string>('/doc')).value;

/** What a browser does for one typed character: beforeinput with the selection, new value and caret, input. */
function typeChar(el: HTMLTextAreaElement, char: string): void {
  const start = el.selectionStart;
  const end = el.selectionEnd;
  el.dispatchEvent(new InputEvent('beforeinput', { inputType: 'insertText', data: char, bubbles: true }));
  el.value = el.value.slice(0, start) + char + el.value.slice(end);
  el.setSelectionRange(start + char.length, start + char.length);
  el.dispatchEvent(new InputEvent('input', { inputType: 'insertText', data: char, bubbles: true }));
}

async function mounted(peer = 'me'): Promise<HTMLTextAreaElement> {
  render(<Editor peer={peer} />);
  await waitFor(() => area().value === 'hello world' && screen.getByTestId('status').textContent === 'live');
  const el = area();
  el.focus();
  return el;
}

describe('useBraidText', () => {
  it('shows the text and sends what is typed, keystroke by keystroke, to the server and other people', async () => {
    const other = await otherPerson();
    const el = await mounted();
    expect(screen.getByTestId('text').textContent).toBe('hello world');
    el.setSelectionRange(5, 5);
    act(() => {
      for (const c of ', 😀 dear') typeChar(el, c);
    });
    expect(el.value).toBe('hello, 😀 dear world');
    await waitFor(() => other.text === 'hello, 😀 dear world', 5000, 'the other person to see the typing');
    expect(await serverText()).toBe('hello, 😀 dear world');
    await waitFor(() => screen.getByTestId('pending').textContent === 'false');
    // Each keystroke was its own splice: the server's history holds a version per character (not one diff).
    const history = await server.braid.history('/doc');
    expect(history.length).toBe([...', 😀 dear'].length);
  });

  it('keeps the caret on the same character when someone else edits before and after it', async () => {
    const other = await otherPerson();
    const el = await mounted();
    el.setSelectionRange(6, 6); // hello |world
    other.edit([{ start: 0, end: 0, content: '👋 ' }]); // before the caret: two code points, three UTF-16 units
    await waitFor(() => el.value === '👋 hello world', 5000, 'the remote insert');
    expect(el.selectionStart).toBe(9);
    expect(el.value.slice(el.selectionStart)).toBe('world');
    other.edit([{ start: 13, end: 13, content: '!' }]); // after the caret
    await waitFor(() => el.value === '👋 hello world!', 5000, 'the remote append');
    expect(el.value.slice(el.selectionStart)).toBe('world!');
    // A selection around a remote edit grows with it.
    el.setSelectionRange(3, 8); // "hello"
    other.edit([{ start: 4, end: 4, content: 'XX' }]); // inside it (code point 4: after "he")
    await waitFor(() => el.value === '👋 heXXllo world!', 5000, 'the remote edit inside the selection');
    expect(el.value.slice(el.selectionStart, el.selectionEnd)).toBe('heXXllo');
    // And typing goes on where the caret is.
    el.setSelectionRange(el.value.length, el.value.length);
    act(() => typeChar(el, '?'));
    await waitFor(() => other.text === '👋 heXXllo world!?', 5000, 'the other person to see the typing');
  });

  it('holds remote edits during an IME composition and applies them after it, with the composed text sent', async () => {
    const other = await otherPerson();
    const el = await mounted();
    el.setSelectionRange(11, 11);
    act(() => {
      el.dispatchEvent(new CompositionEvent('compositionstart', { data: '', bubbles: true }));
    });
    // The IME writes into the element while composing (input events marked isComposing).
    for (const step of [' ㅎ', ' 하', ' 한']) {
      el.value = `hello world${step}`;
      el.setSelectionRange(el.value.length, el.value.length);
      el.dispatchEvent(new InputEvent('input', { inputType: 'insertCompositionText', isComposing: true }));
    }
    const observer = await otherPerson('observer');
    other.edit([{ start: 0, end: 5, content: 'HELLO' }]);
    // A third subscriber got the update: so did this page (same server fan-out); it must not touch the composition.
    await waitFor(() => observer.text === 'HELLO world', 5000, 'the remote edit to be sent out');
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(el.value).toBe('hello world 한');
    expect(await serverText()).toBe('HELLO world'); // nothing of the composition sent yet
    act(() => {
      el.dispatchEvent(new CompositionEvent('compositionend', { data: ' 한', bubbles: true }));
    });
    await waitFor(() => el.value === 'HELLO world 한', 5000, 'the held edit applied after the composition');
    expect(el.selectionStart).toBe(el.value.length); // the caret stays after the composed text
    await waitFor(async () => (await serverText()) === 'HELLO world 한', 5000, 'the composed text sent');
    await waitFor(() => other.text === 'HELLO world 한', 5000, 'the other person to see it');
  });

  it('shows programmatic edits (resource.setText) in the element and sends them', async () => {
    const other = await otherPerson();
    const el = await mounted();
    el.setSelectionRange(11, 11);
    const resource = (await waitFor(() => mountedResource))!;
    act(() => resource.setText('hello brave world'));
    expect(el.value).toBe('hello brave world');
    expect(el.selectionStart).toBe(17); // the caret stays at the end of "world"
    await waitFor(() => other.text === 'hello brave world', 5000, 'the other person to get it');
  });

  it('releases the subscription on the server when the last component using the text unmounts', async () => {
    const stats = () => server.braid.stats().subscribers;
    expect(stats()).toBe(0);
    const first = render(<Editor peer="a" />);
    const second = render(<Editor peer="a" />); // same URL and peer: one shared subscription
    await waitFor(() => stats() === 1, 5000, 'one subscription');
    await waitFor(() =>
      screen.getAllByTestId('area').every((el) => (el as HTMLTextAreaElement).value !== ''),
    );
    first.unmount();
    // The second still uses it: it stays.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(stats()).toBe(1);
    second.unmount();
    await waitFor(() => stats() === 0, 5000, 'the subscription to end on the server');
  });
});

// @vitest-environment jsdom
// useBraidUndo against a real @braid-live/server on 127.0.0.1, rendered with @testing-library/react: the buttons
// follow canUndo/canRedo, an undo leaves a second client's concurrent edit in place, redo restores.
import { BraidClient } from '@braid-live/core';
import { memoryStore } from '@braid-live/server';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer, waitFor } from '../../core/test/client/harness';
import { BraidProvider, useBraid, useBraidUndo } from '../src/index';

interface Doc {
  title: string;
  count: number;
}

let server: TestServer;
let client: BraidClient;
let other: BraidClient;

beforeEach(async () => {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) =>
      braid.resource('/doc', { initial: { title: 'draft', count: 0 }, initialVersion: 'v0' }),
  }));
  client = new BraidClient({ baseUrl: server.base, peer: 'me' });
  other = new BraidClient({ baseUrl: server.base, peer: 'them' });
});
afterEach(async () => {
  cleanup();
  client.close();
  other.close();
  await server.stop();
});

function Editor() {
  const [doc, setDoc] = useBraid<Doc>('/doc');
  const { undo, redo, canUndo, canRedo } = useBraidUndo('/doc');
  return (
    <div>
      <span data-testid="title">{doc?.title ?? 'loading'}</span>
      <span data-testid="count">{doc?.count}</span>
      <button type="button" onClick={() => setDoc((d) => void (d.title = 'edited'))}>
        edit
      </button>
      <button type="button" disabled={!canUndo} onClick={() => undo()}>
        undo
      </button>
      <button type="button" disabled={!canRedo} onClick={() => redo()}>
        redo
      </button>
    </div>
  );
}

const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;
const onServer = async () => (await server.braid.get<Doc>('/doc')).value;

describe('useBraidUndo', () => {
  it('undoes my edit, keeps the other client’s, and redoes it; the buttons follow canUndo/canRedo', async () => {
    render(
      <BraidProvider client={client}>
        <Editor />
      </BraidProvider>,
    );
    await waitFor(() => screen.getByTestId('title').textContent === 'draft', 5000, 'the first value');
    expect(button('undo').disabled).toBe(true);
    expect(button('redo').disabled).toBe(true);

    act(() => fireEvent.click(button('edit')));
    expect(screen.getByTestId('title').textContent).toBe('edited');
    expect(button('undo').disabled).toBe(false);
    await waitFor(async () => (await onServer()).title === 'edited', 5000, 'my edit on the server');

    // Someone else edits another field meanwhile.
    const theirs = other.resource<Doc>('/doc');
    theirs.subscribe(() => {});
    await theirs.ready;
    await theirs.set((d) => void (d.count = 42));
    await waitFor(() => screen.getByTestId('count').textContent === '42', 5000, 'their edit');

    act(() => fireEvent.click(button('undo')));
    await waitFor(() => screen.getByTestId('title').textContent === 'draft', 5000, 'undone');
    expect(screen.getByTestId('count').textContent).toBe('42');
    await waitFor(async () => (await onServer()).title === 'draft', 5000, 'the undo on the server');
    expect(await onServer()).toEqual({ title: 'draft', count: 42 });
    await waitFor(() => !button('redo').disabled, 5000, 'redo enabled');
    expect(button('undo').disabled).toBe(true);

    act(() => fireEvent.click(button('redo')));
    await waitFor(async () => (await onServer()).title === 'edited', 5000, 'redone on the server');
    expect(await onServer()).toEqual({ title: 'edited', count: 42 });
    await waitFor(() => screen.getByTestId('title').textContent === 'edited', 5000, 'redone');
  });
});

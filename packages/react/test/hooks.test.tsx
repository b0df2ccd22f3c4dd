// @vitest-environment jsdom
// The React hooks against a real @braid-live/server on 127.0.0.1, rendered with @testing-library/react.
import { BraidClient, defineResource } from '@braid-live/core';
import { memoryStore } from '@braid-live/server';
import { act, cleanup, render, screen } from '@testing-library/react';
import { Suspense, useState } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordingFetch, startServer, type TestServer, waitFor } from '../../core/test/client/harness';
import { BraidProvider, useBraid, useBraidSelector, useBraidStatus } from '../src/index';

interface Dash {
  title: string;
  limit: number;
  metrics: { cpu: number; mem: number };
}
const initial: Dash = { title: 'Ops', limit: 10, metrics: { cpu: 1, mem: 1 } };

let server: TestServer;
let client: BraidClient;
let gate: Promise<void> | undefined;
let rec: ReturnType<typeof recordingFetch>;

beforeEach(async () => {
  gate = undefined;
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) =>
      braid.resource('/dash', {
        initial,
        initialVersion: 'v0',
        // Writes wait for the test's gate (to look at the UI before the server answers); limit ≤ 100.
        validate: async (next: Dash) => {
          await gate;
          return next.limit <= 100 ? true : 'limit must be at most 100';
        },
      }),
  }));
  rec = recordingFetch();
  client = new BraidClient({ baseUrl: server.base, fetch: rec.fetch, gracePeriodMs: 100 });
});
afterEach(async () => {
  cleanup();
  client.close();
  await server.stop();
});

const wrap = (ui: React.ReactNode) => render(<BraidProvider client={client}>{ui}</BraidProvider>);

function Title({ id }: { id: string }) {
  const [doc, setDoc, status] = useBraid<Dash>('/dash');
  return (
    <div>
      <span data-testid={`title-${id}`}>{doc?.title ?? 'loading'}</span>
      <span data-testid={`limit-${id}`}>{doc?.limit}</span>
      <span data-testid={`pending-${id}`}>{status.pending}</span>
      <span data-testid={`error-${id}`}>{status.error?.message ?? ''}</span>
      <button type="button" onClick={() => setDoc((d) => void (d.title = `${d.title}!`))}>
        bang-{id}
      </button>
      <button type="button" onClick={() => setDoc((d) => void (d.limit = 1000))}>
        overflow-{id}
      </button>
    </div>
  );
}

describe('useBraid', () => {
  it('two components on one URL share one subscription', async () => {
    wrap(
      <>
        <Title id="a" />
        <Title id="b" />
      </>,
    );
    await screen.findByText('Ops', { selector: '[data-testid=title-a]' });
    expect(screen.getByTestId('title-b').textContent).toBe('Ops');
    expect(rec.subscriptions()).toHaveLength(1);
    await act(async () => {
      screen.getByText('bang-a').click();
    });
    // Both readers see the edit at once.
    expect(screen.getByTestId('title-b').textContent).toBe('Ops!');
  });

  it('renders an optimistic edit before the server answers', async () => {
    wrap(<Title id="a" />);
    await screen.findByText('Ops');
    let open!: () => void;
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    act(() => {
      screen.getByText('bang-a').click();
    });
    expect(screen.getByTestId('title-a').textContent).toBe('Ops!');
    expect(screen.getByTestId('pending-a').textContent).toBe('1');
    await new Promise((r) => setTimeout(r, 50));
    expect((await server.braid.get<Dash>('/dash')).value.title).toBe('Ops'); // the server has not applied it yet
    await act(async () => open());
    await waitFor(() => screen.getByTestId('pending-a').textContent === '0');
    expect((await server.braid.get<Dash>('/dash')).value.title).toBe('Ops!');
  });

  it('rolls back a rejected edit and shows the error', async () => {
    wrap(<Title id="a" />);
    await screen.findByText('Ops');
    act(() => {
      screen.getByText('overflow-a').click();
    });
    expect(screen.getByTestId('limit-a').textContent).toBe('1000');
    await waitFor(() => screen.getByTestId('limit-a').textContent === '10', 5000, 'rollback');
    expect(screen.getByTestId('error-a').textContent).toContain('limit must be at most 100');
    expect(screen.getByTestId('pending-a').textContent).toBe('0');
  });

  it('keeps setDoc stable across renders', async () => {
    const setters = new Set<unknown>();
    function Probe() {
      const [doc, setDoc] = useBraid<Dash>('/dash');
      setters.add(setDoc);
      return <span>{doc?.metrics.cpu}</span>;
    }
    wrap(<Probe />);
    await screen.findByText('1');
    await act(() => server.braid.patch('/dash', (d: Dash) => void (d.metrics.cpu = 2)));
    await screen.findByText('2');
    expect(setters.size).toBe(1);
  });

  it('suspends until the first value when asked', async () => {
    let fallbacks = 0;
    const seen: string[] = [];
    function Fallback() {
      fallbacks++;
      return <span>fallback</span>;
    }
    function Suspended() {
      const [doc] = useBraid<Dash>('/dash', { suspense: true });
      seen.push(doc.title); // never undefined: it suspends instead
      return <span data-testid="s">{doc.title}</span>;
    }
    // React 19 retries a suspended first render only when it started inside an async act().
    await act(async () => {
      wrap(
        <Suspense fallback={<Fallback />}>
          <Suspended />
        </Suspense>,
      );
    });
    await act(() => client.resource('/dash').ready);
    expect((await screen.findByTestId('s')).textContent).toBe('Ops');
    expect(fallbacks).toBeGreaterThan(0);
    expect(seen.every((t) => t === 'Ops')).toBe(true);
  });

  it('shows initialData on the first paint, then the live value', async () => {
    function WithInitial() {
      const [doc] = useBraid<Dash>('/dash', { initialData: { ...initial, title: 'cached' } });
      return <span data-testid="i">{doc.title}</span>;
    }
    wrap(<WithInitial />);
    expect(screen.getByTestId('i').textContent).toBe('cached');
    await waitFor(() => screen.getByTestId('i').textContent === 'Ops');
  });
});

describe('useBraidSelector', () => {
  it('re-renders only the component whose slice changed', async () => {
    const renders = { cpu: 0, mem: 0 };
    function Cpu() {
      const cpu = useBraidSelector('/dash', (d: Dash) => d.metrics.cpu);
      renders.cpu++;
      return <span data-testid="cpu">{cpu}</span>;
    }
    function Mem() {
      const mem = useBraidSelector('/dash', (d: Dash) => d.metrics.mem);
      renders.mem++;
      return <span data-testid="mem">{mem}</span>;
    }
    wrap(
      <>
        <Cpu />
        <Mem />
      </>,
    );
    await waitFor(() => screen.getByTestId('cpu').textContent === '1');
    const base = { ...renders };
    for (let i = 2; i <= 6; i++) {
      await act(() => server.braid.patch('/dash', (d: Dash) => void (d.metrics.mem = i)));
      await waitFor(() => screen.getByTestId('mem').textContent === String(i));
    }
    expect(renders.cpu).toBe(base.cpu); // not one extra render
    expect(renders.mem).toBe(base.mem + 5);
  });

  it('useBraidStatus reports the connection without reading the value', async () => {
    function Status() {
      const status = useBraidStatus('/dash');
      return <span data-testid="st">{`${status.state} ${status.version?.join(',') ?? ''}`}</span>;
    }
    wrap(<Status />);
    await waitFor(() => screen.getByTestId('st').textContent === 'live v0');
  });
});

describe('typed resources (defineResource with a zod schema)', () => {
  const Card = z.object({ title: z.string().min(1, 'a card needs a title'), votes: z.number().int() });
  const board = defineResource('/board', Card);
  const cards = defineResource('/cards/:id', Card);
  let typed: TestServer;
  let typedClient: BraidClient;
  let typedRec: ReturnType<typeof recordingFetch>;
  beforeEach(async () => {
    typed = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) =>
        braid
          .resource(board, { initial: { title: 'Board', votes: 0 } })
          .resource(cards, { initial: (params) => ({ title: `card ${params.id}`, votes: 0 }) }),
    }));
    typedRec = recordingFetch();
    // (No multiplexing: a second subscription would move the first into a multiplexer, a request of its own.)
    typedClient = new BraidClient({
      baseUrl: typed.base,
      fetch: typedRec.fetch,
      gracePeriodMs: 50,
      multiplex: false,
    });
  });
  afterEach(async () => {
    cleanup();
    typedClient.close();
    await typed.stop();
  });

  it('useBraid(token) reads and writes; a write the schema refuses rolls back and shows the 422 reason', async () => {
    function Board() {
      const [card, setCard, status] = useBraid(board);
      const votes = useBraidSelector(board, (c) => c.votes);
      const { state } = useBraidStatus(board);
      return (
        <div>
          <span data-testid="card">{card ? `${card.title}/${votes}/${state}` : 'loading'}</span>
          <span data-testid="error">
            {status.error ? `${status.error.kind} ${status.error.status} ${status.error.message}` : ''}
          </span>
          <button type="button" onClick={() => setCard((c) => void (c.votes += 1))}>
            vote
          </button>
          <button type="button" onClick={() => setCard((c) => void (c.title = ''))}>
            clear
          </button>
        </div>
      );
    }
    render(
      <BraidProvider client={typedClient}>
        <Board />
      </BraidProvider>,
    );
    await waitFor(() => screen.getByTestId('card').textContent === 'Board/0/live', 5000, 'live');
    await act(async () => screen.getByText('vote').click());
    await waitFor(async () => (await typed.braid.get(board)).value.votes === 1, 5000, 'the vote');
    act(() => screen.getByText('clear').click());
    expect(screen.getByTestId('card').textContent).toBe('/1/live'); // optimistic
    await waitFor(() => screen.getByTestId('card').textContent === 'Board/1/live', 5000, 'rollback');
    expect(screen.getByTestId('error').textContent).toMatch(/^rejected 422 .*title: a card needs a title/);
    expect((await typed.braid.get(board)).value).toEqual({ title: 'Board', votes: 1 });
    expect(typedRec.subscriptions()).toHaveLength(1);
  });

  it('useBraid(pattern.at(...)) made during render keeps one subscription, and follows a new id', async () => {
    let renders = 0;
    let pick!: (id: string) => void;
    function Card() {
      const [id, setId] = useState('a');
      pick = setId;
      const [card] = useBraid(cards.at({ id }));
      renders++;
      return <span data-testid="c">{card?.title ?? 'loading'}</span>;
    }
    render(
      <BraidProvider client={typedClient}>
        <Card />
      </BraidProvider>,
    );
    await waitFor(() => screen.getByTestId('c').textContent === 'card a', 5000, 'card a');
    // Re-render with a fresh token for the same path: the same resource, no new request.
    for (let i = 1; i <= 3; i++) {
      await act(() => typed.braid.patch(cards.at({ id: 'a' }), (c) => void (c.votes = i)));
    }
    await waitFor(() => renders >= 2, 5000, 're-renders');
    expect(typedRec.subscriptions()).toHaveLength(1);
    act(() => pick('b c'));
    await waitFor(() => screen.getByTestId('c').textContent === 'card b c', 5000, 'card b c');
    expect(typedRec.subscriptions().map((r) => new URL(r.url).pathname)).toEqual([
      '/cards/a',
      '/cards/b%20c',
    ]);
  });
});

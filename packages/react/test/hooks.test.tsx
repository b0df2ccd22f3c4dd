// @vitest-environment jsdom
// The React hooks against a real @braid-live/server on 127.0.0.1, rendered with @testing-library/react.
import { BraidClient } from '@braid-live/core';
import { memoryStore } from '@braid-live/server';
import { act, cleanup, render, screen } from '@testing-library/react';
import { Suspense } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

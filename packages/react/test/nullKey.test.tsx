// @vitest-environment jsdom
// A null (or undefined) key, like SWR's: no subscription, value undefined, status idle, writes refused with a
// typed error. Against a real @braid-live/server on 127.0.0.1, counting its live subscriptions (`stats()`).
import { BraidClient, BraidError } from '@braid-live/core';
import { memoryStore } from '@braid-live/server';
import { act, cleanup, render, screen } from '@testing-library/react';
import { Suspense, useState } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingFetch, startServer, type TestServer, waitFor } from '../../core/test/client/harness';
import {
  BraidProvider,
  type BraidStatus,
  type MaybeBraidKey,
  useBraid,
  useBraidSelector,
  useBraidStatus,
} from '../src/index';

interface Doc {
  title: string;
  words: number;
}
interface User {
  name: string;
  docId: string;
}

let server: TestServer;
let client: BraidClient;
let rec: ReturnType<typeof recordingFetch>;

beforeEach(async () => {
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) =>
      braid
        .resource<User>('/user', { initial: { name: 'Ada', docId: 'b' } })
        .resource<Doc>('/docs/:id', { initial: (params) => ({ title: `doc ${params.id}`, words: 0 }) }),
  }));
  rec = recordingFetch();
  client = new BraidClient({ baseUrl: server.base, fetch: rec.fetch, gracePeriodMs: 50 });
});
afterEach(async () => {
  cleanup();
  client.close();
  await server.stop();
});

const wrap = (ui: React.ReactNode) => render(<BraidProvider client={client}>{ui}</BraidProvider>);
const subscribers = () => server.braid.stats().subscribers;

/** Shows what the three hooks return for `url`, and records what its setter threw. */
function Probe({ url, onWriteError }: { url: MaybeBraidKey<Doc>; onWriteError?: (error: unknown) => void }) {
  const [doc, setDoc, status] = useBraid<Doc>(url);
  const title = useBraidSelector(url, (d: Doc) => d.title);
  const onlyStatus: BraidStatus = useBraidStatus(url);
  const write = () => {
    try {
      setDoc((d) => void (d.words += 1));
    } catch (error) {
      onWriteError?.(error);
    }
  };
  return (
    <div>
      <span data-testid="value">{doc === undefined ? 'undefined' : `${doc.title}/${doc.words}`}</span>
      <span data-testid="slice">{title ?? 'undefined'}</span>
      <span data-testid="status">{`${status.state} ${onlyStatus.state} ${status.pending}`}</span>
      <button type="button" onClick={write}>
        write
      </button>
    </div>
  );
}

describe('a null key', () => {
  it('opens nothing, shows undefined and idle, and refuses a write with a typed error', async () => {
    const errors: unknown[] = [];
    wrap(<Probe url={null} onWriteError={(e) => errors.push(e)} />);
    expect(screen.getByTestId('value').textContent).toBe('undefined');
    expect(screen.getByTestId('slice').textContent).toBe('undefined');
    expect(screen.getByTestId('status').textContent).toBe('idle idle 0');
    act(() => screen.getByText('write').click());
    expect(errors).toHaveLength(1);
    const error = errors[0] as BraidError;
    expect(error).toBeInstanceOf(BraidError);
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/the key is null/);
    // Nothing went to the server, then or later.
    await new Promise((r) => setTimeout(r, 100));
    expect(rec.requests).toEqual([]);
    expect(subscribers()).toBe(0);
    expect((await server.braid.history('/user')).length).toBe(0);
  });

  it('undefined is a null key too, and needs no BraidProvider', () => {
    function Bare() {
      const [doc, , status] = useBraid<Doc>(undefined);
      const slice = useBraidSelector(undefined, (d: Doc) => d.title);
      return <span data-testid="bare">{`${String(doc)} ${String(slice)} ${status.state}`}</span>;
    }
    render(<Bare />);
    expect(screen.getByTestId('bare').textContent).toBe('undefined undefined idle');
  });

  it('null → url subscribes, url → null unsubscribes, and back again (counted on the server)', async () => {
    let show!: (url: MaybeBraidKey<Doc>) => void;
    function Switch() {
      const [url, setUrl] = useState<MaybeBraidKey<Doc>>(null);
      show = setUrl;
      return <Probe url={url} />;
    }
    wrap(<Switch />);
    expect(subscribers()).toBe(0);

    act(() => show('/docs/a'));
    await waitFor(() => screen.getByTestId('value').textContent === 'doc a/0', 5000, 'doc a');
    expect(screen.getByTestId('slice').textContent).toBe('doc a');
    expect(screen.getByTestId('status').textContent).toBe('live live 0');
    await waitFor(() => subscribers() === 1, 5000, 'one subscription');

    act(() => show(null));
    // At once: the value is gone and the hooks are idle; the subscription ends after the grace period.
    expect(screen.getByTestId('value').textContent).toBe('undefined');
    expect(screen.getByTestId('slice').textContent).toBe('undefined');
    expect(screen.getByTestId('status').textContent).toBe('idle idle 0');
    await waitFor(() => subscribers() === 0, 5000, 'the subscription to end');

    act(() => show('/docs/c'));
    await waitFor(() => screen.getByTestId('value').textContent === 'doc c/0', 5000, 'doc c');
    await waitFor(() => subscribers() === 1, 5000, 'one subscription again');
    // The setter of a non-null key writes as usual.
    await act(async () => screen.getByText('write').click());
    await waitFor(async () => (await server.braid.get<Doc>('/docs/c')).value.words === 1, 5000, 'the write');
    expect(rec.subscriptions().map((r) => new URL(r.url).pathname)).toEqual(['/docs/a', '/docs/c']);
  });

  it('a dependent resource: the second key waits for the first value', async () => {
    function Dependent() {
      const [user] = useBraid<User>('/user');
      const [doc, , status] = useBraid<Doc>(user ? `/docs/${user.docId}` : null);
      return <span data-testid="dep">{`${user?.name ?? '-'} ${doc?.title ?? '-'} ${status.state}`}</span>;
    }
    wrap(<Dependent />);
    expect(screen.getByTestId('dep').textContent).toBe('- - idle');
    await waitFor(() => screen.getByTestId('dep').textContent === 'Ada doc b live', 5000, 'both');
    // The user moves to another document: the dependent key follows.
    await act(() => server.braid.patch<User>('/user', (u) => void (u.docId = 'z')));
    await waitFor(() => screen.getByTestId('dep').textContent === 'Ada doc z live', 5000, 'doc z');
    await waitFor(() => subscribers() === 2, 5000, '/user and /docs/z only');
  });

  it('never suspends (there is nothing to wait for), and ignores initialData', async () => {
    let fallbacks = 0;
    function Fallback() {
      fallbacks++;
      return <span>fallback</span>;
    }
    function Suspended() {
      const [doc, , status] = useBraid<Doc>(null, { suspense: true, initialData: { title: 'x', words: 1 } });
      return <span data-testid="s">{`${String(doc)} ${status.state}`}</span>;
    }
    await act(async () => {
      wrap(
        <Suspense fallback={<Fallback />}>
          <Suspended />
        </Suspense>,
      );
    });
    expect(screen.getByTestId('s').textContent).toBe('undefined idle');
    expect(fallbacks).toBe(0);
  });
});

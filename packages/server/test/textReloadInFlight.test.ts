// A simpleton client whose subscription is cut while one of its PUTs is still on its way (held back: a 503
// retried after a backoff on a node that lost races to another) reconnects from its own version, which the
// server does not know yet: 309. Loading the server's text then would make the PUT's text look deleted by
// someone else, and the edits typed into it since (unsent, behind the PUT) were dropped with it — silently,
// the PUT itself landing later (textSharedStore lost characters this way). The client waits for its PUTs
// and asks again from its version instead.
import type { FetchLike } from '@braid-live/core';
import { TextResource } from '@braid-live/core/text';
import { afterEach, expect, it } from 'vitest';
import { memoryStore } from '../src/index';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

let server: RunningBraid | undefined;
let client: TextResource | undefined;
afterEach(async () => {
  client?.close();
  await server?.stop();
});

/** Event-loop turns (not time): room for a client to make the request it would make at once. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

it('a 309 for a PUT still in flight: the client waits for it, nothing typed after it is lost', async () => {
  server = await startBraid({ store: memoryStore() }, (braid) => braid.text('/doc', { initial: '' }));
  const subscriptions: string[] = []; // Parents of each subscription ('-': none, a snapshot)
  const statuses: number[] = [];
  let cut: AbortController | undefined;
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let puts = 0;
  const fetchFn: FetchLike = async (input, init = {}) => {
    const headers = init.headers as Record<string, string>;
    if (init.method === 'PUT') {
      if (puts++ === 0) await held; // the first PUT reaches the server only when the test says so
      return fetch(input, init);
    }
    subscriptions.push(headers.Parents ?? '-');
    cut = new AbortController();
    const signals = init.signal ? [init.signal, cut.signal] : [cut.signal];
    const response = await fetch(input, { ...init, signal: AbortSignal.any(signals) });
    statuses.push(response.status);
    return response;
  };
  client = new TextResource(`${server.origin}/doc`, { peer: 'me', fetch: fetchFn, maxInFlight: 1 });
  let loads = 0;
  client.subscribe((change) => {
    if (change.source === 'load') loads++;
  });
  await client.ready;

  client.edit([{ start: 0, end: 0, content: 'XY' }]); // PUT me-1, held
  client.edit([{ start: 1, end: 1, content: 'z' }]); // unsent behind it (one PUT in flight at most)
  cut!.abort();
  await eventually(() => statuses.includes(309), 10_000, 'the resubscription from me-1 to be answered 309');
  await turns(20);
  // (Without the fix a snapshot is asked for at once: let it load before the PUT lands, as it happened.)
  if (subscriptions.length > 2) await eventually(() => loads === 2, 10_000, 'the snapshot to load');
  release!();

  await eventually(() => !client!.pending, 10_000, 'every edit to be acknowledged');
  expect(client.text).toBe('XzY');
  await eventually(
    async () => (await server!.braid.get<string>('/doc')).value === 'XzY',
    10_000,
    'the server to hold XzY',
  );
  expect(subscriptions).toEqual(['-', '"me-1"', '"me-1"']); // asked again from its version, once it is in
});

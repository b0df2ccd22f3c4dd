// Simpleton clients may have several PUTs in flight: one can reach the server after a later one (a 503 retried
// after a backoff, another connection). It is applied, not taken for a retry because its agent's counter is
// already past it (that answered 200 and dropped the edit: text lost on two nodes under contention).
import { memoryStore } from '@braid-live/server';
import { afterEach, expect, it } from 'vitest';
import { type RunningBraid, startBraid } from './helpers/server';

let server: RunningBraid | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const put = (version: string, parents: string, at: number, text: string) =>
  fetch(`${server!.origin}/doc`, {
    method: 'PUT',
    headers: {
      'Merge-Type': 'simpleton',
      Version: `"${version}"`,
      Parents: parents,
      'Content-Range': `text [${at}:${at}]`,
      'Content-Type': 'text/plain; charset=utf-8',
    },
    body: text,
  });

it('applies a PUT that arrives after a later one of the same agent, and still knows a true retry', async () => {
  server = await startBraid({ store: memoryStore() }, (braid) => braid.text('/doc', { initial: '' }));
  const head = await fetch(`${server.origin}/doc`);
  const initial = head.headers.get('version')!;
  await head.text();
  // The agent's second PUT (events 2..3) arrives first, then its first (events 0..1), both on the initial state.
  expect((await put('p-3', initial, 0, 'cd')).status).toBe(200);
  expect((await put('p-1', initial, 0, 'ab')).status).toBe(200);
  expect((await server.braid.get<string>('/doc')).value).toHaveLength(4);
  // A true retry of p-1 changes nothing.
  expect((await put('p-1', initial, 0, 'ab')).status).toBe(200);
  const text = (await server.braid.get<string>('/doc')).value;
  expect([...text].sort().join('')).toBe('abcd');
});

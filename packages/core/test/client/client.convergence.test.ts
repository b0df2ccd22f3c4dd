// Convergence under load: 5 clients (separate BraidClients) edit one resource at random for a few seconds while
// connections are cut at random. Everyone must end with the server's value, and no acknowledged write may be lost
// or applied twice.
import { isDeepStrictEqual } from 'node:util';
import { memoryStore } from '@braid-live/server';
import { afterAll, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { applyJsonPatches } from '../../src/protocol/index';
import { int, pick, rng } from '../random';
import { recordingFetch, startServer, type TestServer, waitFor } from './harness';

interface Doc {
  kv: Record<string, number>;
  log: string[]; // insert-only: every token must survive exactly once
  scratch: number[]; // inserts and deletes
  text: string; // insert-only typing
}
const initial: Doc = { kv: {}, log: [], scratch: [1, 2, 3], text: '' };

let server: TestServer;
const clients: BraidClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

describe('5 clients, random concurrent edits, random disconnects', () => {
  it.each([
    // The whole history in memory: resumes get deltas, and the test can replay the history.
    { history: 100_000, seed: 42 },
    // A short history: resumes after a cut often get a snapshot instead (writes in doubt are settled first).
    { history: 3, seed: 7 },
  ])(
    'all end equal to the server, every write applied exactly once (history $history)',
    async ({ history: maxHistory, seed }) => {
      await server?.stop();
      server = await startServer(() => ({
        options: { store: memoryStore(), limits: { maxHistory } },
        define: (braid) => braid.resource('/doc', { initial, initialVersion: 'v0' }),
      }));
      const r = rng(seed);
      const recorders = Array.from({ length: 5 }, () => recordingFetch());
      const resources = recorders.map((rec, i) => {
        const client = new BraidClient({
          baseUrl: server.base,
          fetch: rec.fetch,
          peer: `c${i}`,
          retry: { baseMs: 20, maxMs: 200 },
        });
        clients.push(client);
        const res = client.resource<Doc>('/doc');
        res.subscribe(() => {});
        return res;
      });
      await Promise.all(resources.map((res) => res.ready));

      let tokens = 0;
      let chars = 0;
      const typed: string[] = [];
      let cuts = 0;
      for (let step = 1; step <= 1000; step++) {
        const res = pick(r, resources);
        const who = resources.indexOf(res);
        const op = int(r, 6);
        res.set((d) => {
          if (op === 0) d.kv[pick(r, ['a', 'b', 'c'])] = int(r, 1000);
          else if (op === 1) delete d.kv[pick(r, ['a', 'b', 'c'])];
          else if (op === 2) d.log.splice(int(r, d.log.length + 1), 0, `${who}:${tokens++}`);
          else if (op === 3) d.scratch.splice(int(r, d.scratch.length + 1), 0, int(r, 100));
          else if (op === 4 && d.scratch.length) d.scratch.splice(int(r, d.scratch.length), 1);
          else {
            const ch = String.fromCodePoint(0x4e00 + chars++); // distinct characters
            typed.push(ch);
            const at = int(r, [...d.text].length + 1);
            d.text = [...d.text].slice(0, at).join('') + ch + [...d.text].slice(at).join('');
          }
        });
        if (step % 50 === 0) {
          const sockets = [...server.sockets];
          if (sockets.length) {
            pick(r, sockets).destroy();
            cuts++;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, int(r, 4)));
      }
      await waitFor(
        () => resources.every((res) => res.getStatus().pending === 0 && res.getStatus().state === 'live'),
        20_000,
        'every client to settle',
      );
      const { value } = await server.braid.get('/doc');
      await waitFor(
        () => resources.every((res) => isDeepStrictEqual(res.getSnapshot(), value)),
        10_000,
        'convergence',
      );
      for (const res of resources) expect(res.getSnapshot()).toEqual(value);

      const history = [...(await server.braid.history('/doc', { limit: 100_000 }))].reverse();
      const ids = history.map((h) => h.version);
      expect(new Set(ids).size).toBe(ids.length);
      if (maxHistory > 10_000) {
        // The server's value is its own history applied in order.
        expect(
          applyJsonPatches(
            initial,
            history.flatMap((h) => h.patches),
          ),
        ).toEqual(value);
        // Every version id a client sent is in the history exactly once (resends are the same write).
        const sent = recorders.flatMap((rec) => rec.requests.filter((q) => q.method === 'PUT'));
        for (const id of new Set(sent.map((q) => JSON.parse(q.headers.version)))) expect(ids).toContain(id);
      }
      // Insert-only data: nothing lost, nothing doubled.
      const tokenNumbers = (value as Doc).log.map((t) => Number(t.split(':')[1])).sort((x, y) => x - y);
      expect(tokenNumbers).toEqual(Array.from({ length: tokens }, (_, i) => i));
      expect([...(value as Doc).text].sort()).toEqual([...typed].sort());
      expect(cuts).toBeGreaterThan(10);
      expect(history.length).toBeGreaterThan(Math.min(50, maxHistory - 1));
    },
    60_000,
  );
});

import { afterEach, describe, expect, it } from 'vitest';
import { codePointLength, type TextResource as TextClient, TextResource } from '../../src/text/index';
import { startServer, type TestServer, waitFor } from '../client/harness';
import { int, pick, type Rng, rng } from '../random';

// TP1-style randomized convergence for collaborative text over real HTTP: several typists edit one
// `braid.text` resource at once (inserts, deletes, replacements; emoji, combining marks, CJK), while their
// subscriptions are cut and PUT responses are lost at random. When everyone stops, every replica equals the
// server's text, and nothing a typist inserted that nobody deleted is missing or doubled.

const CHARS = ['a', 'b', 'c', ' ', '😀', '👍🏽', 'é', 'e\u0301', '中', '\n'];

/** A fetch whose subscription bodies can be cut, and whose PUT responses are sometimes lost after delivery. */
function faultyFetch(r: Rng, loseRate: number) {
  const streams = new Set<AbortController>();
  const fetchFn = async (input: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    if (method === 'GET') {
      const controller = new AbortController();
      init?.signal?.addEventListener('abort', () => controller.abort());
      streams.add(controller);
      const response = await fetch(input, { ...init, signal: controller.signal });
      response.body?.getReader; // (kept open until cut or ended)
      return response;
    }
    const response = await fetch(input, init);
    if (r() < loseRate) {
      await response.arrayBuffer();
      throw new TypeError('response lost (test)'); // the server applied it; the client retries the same Version
    }
    return response;
  };
  return {
    fetch: fetchFn,
    cutAll() {
      for (const c of streams) c.abort();
      streams.clear();
    },
  };
}

let server: TestServer | undefined;
const clients: TextClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.stop();
  server = undefined;
});

async function run(seed: number, typists: number, editsEach: number) {
  server = await startServer(() => ({
    options: { onError: () => {} },
    define: (braid) => braid.text('/doc', { initial: 'start' }),
  }));
  const url = `${server.base}/doc`;
  const r = rng(seed);
  const faults = Array.from({ length: typists }, () => faultyFetch(r, 0.05));
  for (let i = 0; i < typists; i++)
    clients.push(new TextResource(url, { fetch: faults[i].fetch, peer: `t${i}` }));
  await Promise.all(clients.map((c) => c.ready));

  const typing = clients.map(async (client, i) => {
    for (let n = 0; n < editsEach; n++) {
      const length = codePointLength(client.text);
      const kind = int(r, 10);
      const start = int(r, length + 1);
      const content = Array.from({ length: 1 + int(r, 3) }, () => pick(r, CHARS)).join('');
      if (kind < 6 || length === 0) client.edit([{ start, end: start, content }]);
      else if (kind < 8) client.edit([{ start: Math.max(0, start - 1), end: start, content: '' }]);
      else client.edit([{ start: Math.max(0, start - 2), end: start, content }]);
      if (r() < 0.04) faults[i].cutAll();
      await new Promise((resolve) => setTimeout(resolve, int(r, 4)));
    }
  });
  await Promise.all(typing);

  const head = async () => (await server!.braid.get<string>('/doc')).value;
  const dump = setTimeout(async () => {
    const h = await server!.braid.get<string>('/doc');
    console.log('SERVER', h.version, JSON.stringify(h.value));
    for (const c of clients)
      console.log(c.peer, c.status, c.pending, c.currentVersion, JSON.stringify(c.text), c.error?.message);
  }, 12000);
  await waitFor(
    async () => {
      const text = await head();
      return clients.every((c) => !c.pending && c.text === text);
    },
    20_000,
    'every replica to equal the server',
  );
  clearTimeout(dump);
  const text = await head();
  for (const c of clients) expect(c.text).toBe(text);
  expect(clients.every((c) => c.error === undefined)).toBe(true);
  return text;
}

describe('collaborative text converges (randomized, real HTTP)', () => {
  it('6 typists × 40 edits with cut subscriptions and lost PUT responses', async () => {
    await run(17, 6, 40);
  }, 60_000);
  it('3 typists × 60 edits, another seed', async () => {
    await run(4242, 3, 60);
  }, 60_000);
});

// `persist: 'indexeddb'` through BraidClient's public API (fake-indexeddb, a real server with a fileStore): edits
// made while the server is away survive the client going away, a new client (the reloaded page) shows the last
// confirmed value with them on top at once, and every edit reaches the server exactly once.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { startServer, type TestServer, waitFor } from '../client/harness';

interface Doc {
  items: string[];
}

let server: TestServer | undefined;
let dir: string | undefined;
const clients: BraidClient[] = [];
let n = 0;
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.stop();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<TestServer> {
  dir = mkdtempSync(join(tmpdir(), 'braid-persist-'));
  const storeDir = dir;
  server = await startServer(() => ({
    options: { store: fileStore(storeDir) },
    define: (braid) => braid.resource('/doc', { initial: { items: [] } }),
  }));
  return server;
}

/** A page: a client with persist on one IndexedDB database (the same name = the same browser profile). */
function page(db: string, fetchImpl?: typeof fetch): BraidClient {
  const client = new BraidClient({
    baseUrl: server!.base,
    persist: { name: db },
    fetch: fetchImpl,
    retry: { baseMs: 20, maxMs: 200 },
    headTimeoutMs: 500,
    writeTimeoutMs: 2000,
  });
  clients.push(client);
  return client;
}

const push = (item: string) => (d: Doc) => void d.items.push(item);

describe("persist: 'indexeddb'", () => {
  it('keeps edits made while the server is down across a reload, shows them at once, and sends each once', async () => {
    await start();
    const db = `persist-${process.pid}-${n++}`;
    const first = page(db);
    const doc = first.resource<Doc>('/doc');
    const stop = doc.subscribe(() => {});
    await doc.ready;
    await doc.set(push('a1'));

    await server!.stop(); // the server goes away: the next edits cannot be confirmed
    const unconfirmed = [doc.set(push('a2')), doc.set(push('a3'))];
    for (const p of unconfirmed) p.catch(() => {});
    await waitFor(async () => (await first.unconfirmedWrites()) === 2, 5000, 'the edits in the outbox');
    stop();
    first.close(); // the tab closes before the server confirmed them

    // The page is opened again while the server is still down: the last known value and the edits, at once.
    const second = page(db);
    const again = second.resource<Doc>('/doc');
    const unsubscribe = again.subscribe(() => {});
    await again.ready;
    expect(again.getSnapshot()).toEqual({ items: ['a1', 'a2', 'a3'] });
    expect(again.getStatus().state).not.toBe('live');
    expect(again.getStatus().version).toBeDefined();
    expect(again.getStatus().pending).toBe(2);

    await server!.restart();
    await waitFor(
      () => again.getStatus().pending === 0 && again.getStatus().state === 'live',
      10_000,
      'confirmed',
    );
    expect((await server!.braid.get('/doc')).value).toEqual({ items: ['a1', 'a2', 'a3'] });
    await waitFor(async () => (await second.unconfirmedWrites()) === 0, 5000, 'the outbox emptied');
    unsubscribe();
  });

  it('a write the server received but whose answer was lost is resent under its Version after a reload: applied once', async () => {
    await start();
    const db = `persist-${process.pid}-${n++}`;
    let dropAnswers = false;
    const sent: string[] = [];
    const lossy: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') sent.push(new Headers(init.headers).get('version') ?? '');
      const answer = await fetch(input, init);
      if (dropAnswers && init?.method === 'PUT') {
        await answer.arrayBuffer();
        throw new TypeError('connection reset (the answer was lost)');
      }
      if (!new Headers(init?.headers).get('subscribe') || !answer.body) return answer;
      // The subscription goes silent too while answers are lost: the echo never arrives on the first page.
      const silenced = answer.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (!dropAnswers) controller.enqueue(chunk);
          },
        }),
      );
      return new Response(silenced, { status: answer.status, headers: answer.headers });
    };
    const first = page(db, lossy);
    const doc = first.resource<Doc>('/doc');
    const stop = doc.subscribe(() => {});
    await doc.ready;
    dropAnswers = true;
    doc.set(push('once')).catch(() => {});
    await waitFor(
      async () => ((await server!.braid.get('/doc')).value as Doc).items.length === 1,
      5000,
      'the server has it',
    );
    expect(doc.getStatus().pending).toBe(1); // neither the answer nor the echo came
    expect(await first.unconfirmedWrites()).toBe(1);
    stop();
    first.close(); // closed before it saw the answer or the echo: the outbox still has the write

    dropAnswers = false;
    const second = page(db, lossy);
    const again = second.resource<Doc>('/doc');
    const unsubscribe = again.subscribe(() => {});
    await again.ready;
    await waitFor(
      () => again.getStatus().pending === 0 && again.getStatus().state === 'live',
      10_000,
      'settled',
    );
    // The reloaded page sent it again under the same Version (a retry the server recognised), not a new write.
    expect(new Set(sent).size).toBe(1);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect((await server!.braid.get('/doc')).value).toEqual({ items: ['once'] });
    expect(again.getSnapshot()).toEqual({ items: ['once'] });
    unsubscribe();
  });

  it('edits saved by another appVersion are reported (outbox-stale), not replayed', async () => {
    await start();
    const db = `persist-${process.pid}-${n++}`;
    const v1 = new BraidClient({ baseUrl: server!.base, persist: { name: db, appVersion: '1' } });
    clients.push(v1);
    const doc = v1.resource<Doc>('/doc');
    const stop = doc.subscribe(() => {});
    await doc.ready;
    await server!.stop();
    doc.set(push('old-shape')).catch(() => {});
    await waitFor(async () => (await v1.unconfirmedWrites()) === 1, 5000, 'in the outbox');
    stop();
    v1.close();
    await server!.restart();

    const errors: string[] = [];
    const v2 = new BraidClient({
      baseUrl: server!.base,
      persist: { name: db, appVersion: '2' },
      onError: (e) => errors.push(e.kind),
    });
    clients.push(v2);
    const again = v2.resource<Doc>('/doc');
    const unsubscribe = again.subscribe(() => {});
    await again.ready;
    expect(errors).toContain('outbox-stale');
    expect(again.getSnapshot()).toEqual({ items: [] });
    expect((await server!.braid.get('/doc')).value).toEqual({ items: [] });
    unsubscribe();
  });
});

describe('persist: storage that does not answer, and include', () => {
  it('a write is not held back by a store that never answers: sent after a wait, and reported once', async () => {
    await start();
    const saves: string[] = [];
    const stuck: import('../../src/client/index').PersistStore = {
      save: (resource) => {
        saves.push(resource);
        return new Promise(() => {}); // IndexedDB that never answers
      },
      load: async () => ({ replays: [], stale: [] }),
      forget: async () => {},
      unconfirmed: async () => 0,
      close: () => {},
    };
    const errors: string[] = [];
    const client = new BraidClient({
      baseUrl: server!.base,
      persist: { store: stuck },
      onError: (e) => errors.push(`${e.kind}: ${e.message}`),
    });
    clients.push(client);
    const doc = client.resource<Doc>('/doc');
    const stop = doc.subscribe(() => {});
    await doc.ready;
    await doc.set(push('despite storage'));
    expect((await server!.braid.get('/doc')).value).toEqual({ items: ['despite storage'] });
    expect(saves.length).toBeGreaterThan(0);
    expect(errors.filter((e) => e.startsWith('storage:'))).toHaveLength(1);
    stop();
  });

  it('resources left out by include are neither cached nor kept in the outbox', async () => {
    await start();
    const db = `persist-${process.pid}-${n++}`;
    const client = new BraidClient({
      baseUrl: server!.base,
      persist: { name: db, include: (url) => !url.endsWith('/doc') },
    });
    clients.push(client);
    const doc = client.resource<Doc>('/doc');
    const stop = doc.subscribe(() => {});
    await doc.ready;
    await server!.stop();
    doc.set(push('memory only')).catch(() => {});
    expect(doc.getStatus().pending).toBe(1);
    expect(await client.unconfirmedWrites()).toBe(0);
    stop();
  });
});

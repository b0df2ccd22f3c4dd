// Several tabs of one browser profile, in one Node process: BraidClients with `persist` on the same database name
// are tabs of one app (fake-indexeddb is per process; BroadcastChannel reaches every instance of a name; Node has no
// Web Locks, so the leader is elected by BroadcastChannel heartbeats). A real server counts the subscriptions.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient, type ClientResource, unsavedChanges } from '../../src/client/index';
import { startServer, type TestServer, waitFor } from '../client/harness';

interface Doc {
  items: string[];
}

let server: TestServer | undefined;
let dir: string | undefined;
const clients: BraidClient[] = [];
const stops: (() => void)[] = [];
let n = 0;
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const c of clients.splice(0)) c.close();
  await server?.stop();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<TestServer> {
  dir = mkdtempSync(join(tmpdir(), 'braid-tabs-'));
  const storeDir = dir;
  server = await startServer(() => ({
    options: { store: fileStore(storeDir) },
    define: (braid) => {
      braid.resource('/doc', { initial: { items: [] } });
      braid.resource('/other', { initial: { items: [] } });
    },
  }));
  return server;
}

/** A tab: a client with persist on the profile's database, subscribed to `urls`. */
function tab(
  db: string,
  fetchImpl?: typeof fetch,
  urls = ['/doc'],
): { client: BraidClient; docs: ClientResource<Doc>[] } {
  const client = new BraidClient({
    baseUrl: server!.base,
    persist: { name: db },
    fetch: fetchImpl,
    retry: { baseMs: 20, maxMs: 200 },
    headTimeoutMs: 1000,
    writeTimeoutMs: 60_000,
  });
  clients.push(client);
  const docs = urls.map((url) => {
    const doc = client.resource<Doc>(url);
    stops.push(doc.subscribe(() => {}));
    return doc;
  });
  return { client, docs };
}

const push = (item: string) => (d: Doc) => void d.items.push(item);
const serverItems = async (url = '/doc') => ((await server!.braid.get(url)).value as Doc).items;

describe('tabs of one profile (persist)', () => {
  it('hold ONE subscription per resource at the server, whatever the number of tabs; edits of each reach all', {
    timeout: 30_000,
  }, async () => {
    await start();
    const db = `tabs-${process.pid}-${n++}`;
    const tabs = [0, 1, 2].map(() => tab(db, undefined, ['/doc', '/other']));
    for (const t of tabs) for (const d of t.docs) await d.ready;
    await waitFor(
      () => tabs.every((t) => t.docs.every((d) => d.getStatus().state === 'live')),
      10_000,
      'live',
    );
    expect(server!.braid.stats().subscribers).toBe(2); // without the hub: 6 (one per tab and resource)
    expect(tabs.filter((t) => t.client.hub?.isLeader)).toHaveLength(1);

    await Promise.all(tabs.map((t, i) => t.docs[0].set(push(`tab-${i}`))));
    await tabs[2].docs[1].set(push('other'));
    const items = await serverItems();
    expect([...items].sort()).toEqual(['tab-0', 'tab-1', 'tab-2']);
    await waitFor(
      () => tabs.every((t) => JSON.stringify(t.docs[0].getSnapshot()?.items) === JSON.stringify(items)),
      5000,
      'every tab shows the server value',
    );
    await waitFor(() => tabs.every((t) => t.docs[1].getSnapshot()?.items[0] === 'other'), 5000, 'other');
    expect(server!.braid.stats().subscribers).toBe(2);
  });

  it('the leader closes while a follower write is in flight (its answer held): the write lands exactly once', {
    timeout: 40_000,
  }, async () => {
    await start();
    const db = `tabs-${process.pid}-${n++}`;
    // While `hold`: the server gets the PUT and applies it, but its answer never comes back, and the subscription
    // goes silent (so the echo does not settle it either): the write is in flight when the leader closes.
    let hold = false;
    const versions: string[] = [];
    const holding: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') versions.push(new Headers(init.headers).get('version') ?? '');
      const held = hold;
      const answer = await fetch(input, init);
      if (held && init?.method === 'PUT')
        return new Promise<Response>((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        );
      if (!new Headers(init?.headers).get('subscribe') || !answer.body) return answer;
      const silenced = answer.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (!hold) controller.enqueue(chunk);
          },
        }),
      );
      return new Response(silenced, { status: answer.status, headers: answer.headers });
    };
    const tabs = [0, 1, 2].map(() => tab(db, holding));
    for (const t of tabs) await t.docs[0].ready;
    await waitFor(() => tabs.some((t) => t.client.hub?.isLeader), 10_000, 'a leader');
    await waitFor(() => tabs.every((t) => t.docs[0].getStatus().state === 'live'), 10_000, 'live');
    const leader = tabs.find((t) => t.client.hub?.isLeader)!;
    const follower = tabs.find((t) => t !== leader)!;

    hold = true;
    const write = follower.docs[0].set(push('in-flight'));
    await waitFor(async () => (await serverItems()).length === 1, 5000, 'the server applied it');
    expect(follower.docs[0].getStatus().pendingVersions).toHaveLength(1); // no answer, no echo
    const version = follower.docs[0].getStatus().pendingVersions[0];

    hold = false;
    leader.client.close(); // the leader tab goes away with the follower's write unanswered
    await write; // confirmed through the next leader
    await waitFor(() => tabs.some((t) => t !== leader && t.client.hub?.isLeader), 10_000, 'a new leader');
    expect(await serverItems()).toEqual(['in-flight']); // exactly once
    expect(versions.filter((v) => v === `"${version}"`).length).toBeGreaterThanOrEqual(2); // resent, same Version
    expect(new Set(versions).size).toBe(1); // and no other write was made of it
    const others = tabs.filter((t) => t !== leader);
    await waitFor(
      () => others.every((t) => t.docs[0].getSnapshot()?.items.join() === 'in-flight'),
      5000,
      'the tabs left agree',
    );
    await waitFor(() => server!.braid.stats().subscribers === 1, 5000, 'one subscription again');
  });

  it("shows another tab's edit at once while the server is down, and every edit reaches it once", {
    timeout: 40_000,
  }, async () => {
    await start();
    const db = `tabs-${process.pid}-${n++}`;
    const a = tab(db);
    const b = tab(db);
    await a.docs[0].ready;
    await b.docs[0].ready;
    await a.docs[0].set(push('before'));
    await waitFor(() => b.docs[0].getSnapshot()?.items.length === 1, 5000, 'b has it');

    await server!.stop();
    const pending = [a.docs[0].set(push('a-offline'))];
    await waitFor(
      () => b.docs[0].getSnapshot()?.items.join() === 'before,a-offline',
      5000,
      "a's edit in b, before the server has it",
    );
    expect(b.docs[0].getStatus().pending).toBe(0); // shown, not b's own
    expect(unsavedChanges(b.client)).toEqual({ thisTab: 0, otherTabs: 1, openTabs: 2 });

    // b edits over what it shows (a's edit included): only its own change is b's.
    pending.push(b.docs[0].set((d) => void d.items.push('b-offline')));
    expect(b.docs[0].getSnapshot()?.items).toEqual(['before', 'b-offline', 'a-offline']); // its own first
    await waitFor(() => a.docs[0].getSnapshot()?.items.length === 3, 5000, "b's edit in a");
    expect(a.docs[0].getSnapshot()?.items).toEqual(['before', 'a-offline', 'b-offline']);
    expect(unsavedChanges(a.client)).toEqual({ thisTab: 1, otherTabs: 1, openTabs: 2 });

    await server!.restart();
    await Promise.all(pending);
    const items = await serverItems();
    expect([...items].sort()).toEqual(['a-offline', 'b-offline', 'before']); // each once
    await waitFor(
      () => [a, b].every((t) => t.docs[0].getSnapshot()?.items.join() === items.join()),
      5000,
      'both show the server order',
    );
    await waitFor(() => unsavedChanges(a.client).otherTabs === 0, 5000, 'nothing unsaved');
    expect(unsavedChanges(a.client).thisTab).toBe(0);
  });
});

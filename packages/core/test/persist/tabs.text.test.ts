// Tabs of one profile sharing a simpleton text (TextResource with `client`): ONE text subscription at the server,
// the leader tab's; the other tabs' edits go through it over BroadcastChannel (Node's reaches every instance of a
// name in this process; fake-indexeddb for persist). A real server holds the text.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { TextResource } from '../../src/text/index';
import { startServer, type TestServer, waitFor } from '../client/harness';
import { count, notesText, settledNotes, type, yieldToEvents } from '../text/typists';

let server: TestServer | undefined;
const closers: (() => void)[] = [];
let n = 0;
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await server?.stop();
  server = undefined;
});

interface Tab {
  client: BraidClient;
  text: TextResource;
  /** The characters this tab typed. */
  typed: string[];
}

function tab(db: string, textFetch?: typeof fetch): Tab {
  const client = new BraidClient({
    baseUrl: server!.base,
    persist: { name: db },
    retry: { baseMs: 20, maxMs: 200 },
    headTimeoutMs: 1000,
  });
  const text = new TextResource(`${server!.base}/notes`, {
    client,
    subscribeFetch: client.subscriptionFetch,
    fetch: textFetch,
  });
  closers.push(
    () => text.close(),
    () => client.close(),
  );
  return { client, text, typed: [] };
}

const serverText = () => notesText(server!.base);
const settled = (tabs: Tab[]) => settledNotes(server!.base, tabs);

describe('a text shared by the tabs of one profile', () => {
  it('3 tabs typing at once end equal to the server, every character kept once, over ONE text subscription', {
    timeout: 60_000,
  }, async () => {
    server = await startServer(() => ({
      define: (braid) => void braid.text('/notes', { initial: 'notes' }),
    }));
    const db = `text-tabs-${process.pid}-${n++}`;
    const tabs = [tab(db), tab(db), tab(db)];
    await Promise.all(tabs.map((t) => t.text.ready));
    expect(tabs.map((t) => t.text.text)).toEqual(['notes', 'notes', 'notes']);
    await waitFor(() => tabs.some((t) => t.client.hub?.isLeader), 10_000, 'a leader');
    for (let round = 0; round < 60; round++) {
      for (const t of tabs) type(t);
      await yieldToEvents();
    }
    const stored = await settled(tabs);
    for (const t of tabs) for (const char of t.typed) expect(count(stored, char)).toBe(1);
    expect([...stored].length).toBe(5 + 3 * 60);
    // One subscription of the text at the server, the leader's (a tab on its own would hold one more).
    expect(server.braid.stats().subscribers).toBe(1);
  });

  it('the leader tab closed while every tab types: the others go on through the next leader, nothing lost', {
    timeout: 60_000,
  }, async () => {
    server = await startServer(() => ({ define: (braid) => void braid.text('/notes', { initial: '' }) }));
    const db = `text-tabs-${process.pid}-${n++}`;
    const tabs = [tab(db), tab(db), tab(db)];
    await Promise.all(tabs.map((t) => t.text.ready));
    await waitFor(() => tabs.some((t) => t.client.hub?.isLeader), 10_000, 'a leader');
    const leader = tabs.find((t) => t.client.hub?.isLeader)!;
    const others = tabs.filter((t) => t !== leader);
    for (let round = 0; round < 40; round++) {
      for (const t of tabs) type(t);
      if (round === 20) {
        leader.text.close();
        leader.client.close();
        tabs.splice(tabs.indexOf(leader), 1);
      }
      await yieldToEvents();
    }
    await waitFor(() => others.some((t) => t.client.hub?.isLeader), 10_000, 'the next leader');
    const stored = await settled(others);
    // Every character the open tabs typed, and every one the leader typed before it closed, once.
    for (const t of others) for (const char of t.typed) expect(count(stored, char)).toBe(1);
    for (const char of leader.typed.slice(0, 21)) expect(count(stored, char)).toBe(1);
    expect([...stored].length).toBe(2 * 40 + 21);
    await waitFor(() => server!.braid.stats().subscribers === 1, 10_000, 'one text subscription again');
  });

  it('the leader tab closed while its PUTs hang: the next leader sends what it had accepted, once', {
    timeout: 60_000,
  }, async () => {
    server = await startServer(() => ({ define: (braid) => void braid.text('/notes', { initial: '' }) }));
    const db = `text-tabs-${process.pid}-${n++}`;
    // Each tab's PUTs can be made to hang (a request the closing page takes with it).
    const hanging = new Set<number>();
    const fetchOf =
      (i: number): typeof fetch =>
      (input, init) =>
        hanging.has(i) ? new Promise<Response>(() => {}) : fetch(input, init);
    const tabs = [0, 1, 2].map((i) => tab(db, fetchOf(i)));
    await Promise.all(tabs.map((t) => t.text.ready));
    await waitFor(() => tabs.some((t) => t.client.hub?.isLeader), 10_000, 'a leader');
    const leader = tabs.find((t) => t.client.hub?.isLeader)!;
    const others = tabs.filter((t) => t !== leader);
    hanging.add(tabs.indexOf(leader));
    // More than its 10 PUTs in flight: some of what it accepted is in hanging PUTs, the rest never sent.
    for (let round = 0; round < 15; round++) {
      for (const t of tabs) type(t);
      await yieldToEvents();
    }
    await waitFor(
      () => [...others, leader].every((t) => t.typed.every((c) => leader.text.text.includes(c))),
      10_000,
      'the leader to have accepted every edit',
    );
    expect(await serverText()).toBe('');
    leader.text.close();
    leader.client.close();
    await waitFor(() => others.some((t) => t.client.hub?.isLeader), 10_000, 'the next leader');
    const stored = await settled(others);
    for (const t of tabs) for (const char of t.typed) expect(count(stored, char)).toBe(1);
    expect([...stored].length).toBe(3 * 15);
  });
});

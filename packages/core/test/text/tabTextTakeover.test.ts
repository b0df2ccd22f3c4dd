// Leader changes of a text shared by tabs, decided by the test: a hub whose leader the test sets (TextResource's
// `client.tabs`), so that the races the tab election makes rare happen every time. Real BroadcastChannel (Node's
// reaches every instance of a name in this process) and a real server holding the text.
import { afterEach, describe, expect, it } from 'vitest';
import { TextResource } from '../../src/text/index';
import type { TextTabHub } from '../../src/text/tabText';
import { startServer, type TestServer, waitFor } from '../client/harness';
import { count, notesText, settledNotes, type, yieldToEvents } from './typists';

let server: TestServer | undefined;
const closers: (() => void)[] = [];
let app = 0;
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await server?.stop();
  server = undefined;
});

/** One tab's hub: the leader is what the test says. */
class TestHub implements TextTabHub {
  leader: string | undefined;
  private readonly listeners = new Set<() => void>();
  constructor(
    readonly appName: string,
    readonly tabId: string,
  ) {}
  lead(tab: string | undefined): void {
    this.leader = tab;
    for (const listener of [...this.listeners]) listener();
  }
  onLeaderChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface Tab {
  id: string;
  hub: TestHub;
  text: TextResource;
  typed: string[];
}

/** Tabs of one app, led by the first, loaded; each tab's requests hang while its index is in `hanging`. */
async function openTabs(count: number, hanging: Set<number>): Promise<Tab[]> {
  const name = `takeover-${process.pid}-${app++}`;
  const tabs = Array.from({ length: count }, (_, i) => openTab(name, i, hanging));
  await Promise.all(tabs.map((t) => t.text.ready));
  return tabs;
}

/** Tab `tab-<i>` of app `name`, led by tab-0 (not loaded yet). */
function openTab(name: string, i: number, hanging = new Set<number>()): Tab {
  const id = `tab-${i}`;
  const hub = new TestHub(name, id);
  hub.leader = 'tab-0';
  const text = new TextResource(`${server!.base}/notes`, {
    client: { tabs: async () => ({ hub }) },
    fetch: (input, init) => (hanging.has(i) ? new Promise<Response>(() => {}) : fetch(input, init)),
  });
  closers.push(() => text.close());
  return { id, hub, text, typed: [] };
}

const serverText = () => notesText(server!.base);
const settled = (tabs: Tab[]) => settledNotes(server!.base, tabs);

describe('a shared text when the leader tab changes', () => {
  it('two tabs take over at once from a leader that closed with PUTs hanging and text unsent: each character once', {
    timeout: 30_000,
  }, async () => {
    server = await startServer(() => ({ define: (braid) => void braid.text('/notes', { initial: '' }) }));
    const hanging = new Set<number>();
    const [leader, a, b] = await openTabs(3, hanging);
    hanging.add(0);
    // More than the leader's 10 PUTs in flight: part of what it accepted hangs, the rest is not sent at all.
    for (let round = 0; round < 15; round++) {
      for (const t of [leader, a, b]) type(t);
      await yieldToEvents();
    }
    await waitFor(
      () => [leader, a, b].every((t) => t.typed.every((c) => leader.text.text.includes(c))),
      10_000,
      'the leader to have accepted every edit',
    );
    expect(await serverText()).toBe('');
    leader.text.close();
    // A moment of two leaders (a tab election that has not settled): both take the handover.
    a.hub.lead(a.id);
    b.hub.lead(b.id);
    type(a);
    type(b);
    await waitFor(() => a.text.isLoaded && b.text.isLoaded, 10_000, 'both leaders loaded');
    // The election settles on a: b follows it with what it had not sent.
    b.hub.lead(a.id);
    type(b);
    const stored = await settled([a, b]);
    for (const t of [leader, a, b]) for (const char of t.typed) expect(count(stored, char)).toBe(1);
    expect([...stored].length).toBe(15 * 3 + 3);
  });

  it('a follower takes over before the closing leader’s change that accepted its edit reaches it: sent once', {
    timeout: 30_000,
  }, async () => {
    server = await startServer(() => ({
      define: (braid) => void braid.text('/notes', { initial: 'notes' }),
    }));
    const [leader, a] = await openTabs(2, new Set());
    const accepted = new Promise<void>((resolve) => {
      const off = leader.text.subscribe(({ text }) => {
        if (!a.typed.every((c) => text.includes(c))) return;
        off();
        // In the same task as the leader's change (a BroadcastChannel message, delivered later): a takes over
        // with its edit in flight, and hears of its acceptance as the leader.
        leader.text.close();
        a.hub.lead(a.id);
        resolve();
      });
    });
    type(a);
    await accepted;
    type(a);
    const stored = await settled([a]);
    for (const char of a.typed) expect(count(stored, char)).toBe(1);
    expect([...stored].length).toBe(5 + 2);
  });

  it('a follower’s edits made before the leader’s text reached it are carried onto that text: kept, once', {
    timeout: 30_000,
  }, async () => {
    server = await startServer(() => ({
      define: (braid) => void braid.text('/notes', { initial: 'notes' }),
    }));
    const name = `takeover-${process.pid}-${app++}`;
    const leader = openTab(name, 0);
    await leader.text.ready;
    const follower = openTab(name, 1);
    type(follower); // before its link to the other tabs exists
    await Promise.resolve();
    await Promise.resolve();
    type(follower); // its link exists, the leader's text has not come
    await follower.text.ready;
    type(follower);
    const stored = await settled([leader, follower]);
    expect(stored.replace(/[^a-z]/g, '')).toBe('notes');
    for (const char of follower.typed) expect(count(stored, char)).toBe(1);
    expect([...stored].length).toBe(5 + 3);
  });
});

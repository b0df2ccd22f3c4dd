// Leader election among tabs without Web Locks (BroadcastChannel heartbeats; Node has BroadcastChannel and no
// navigator.locks). The Web Locks path runs in chromium (test/browser/persistTabs.test.ts).
import { setImmediate as realImmediate } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { electLeader, type TabLeadership } from '../../src/persist/tabLeader';

const tabs: TabLeadership[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  for (const t of tabs.splice(0)) t.close();
  vi.useRealTimers();
});

/** Advances the heartbeat clock in 100 ms steps, letting channel messages arrive in between (as they would). */
async function seconds(n: number) {
  for (let i = 0; i < n * 10; i++) {
    vi.advanceTimersByTime(100);
    for (let j = 0; j < 3; j++) await realImmediate();
  }
}

const leaders = () => tabs.filter((t) => t.isLeader).length;

describe('electLeader over BroadcastChannel', () => {
  it('elects exactly one leader among three tabs, and another when it closes', async () => {
    let n = 0;
    const name = `app-${process.pid}-${n++}`;
    for (const id of ['tab-b', 'tab-a', 'tab-c']) tabs.push(electLeader(name, id));
    await seconds(6);
    expect(leaders()).toBe(1);
    expect(tabs[1].isLeader).toBe(true); // of concurrent claimants the smallest id wins

    const changes: boolean[] = [];
    tabs[0].onChange((leader) => changes.push(leader));
    tabs[1].close();
    tabs.splice(1, 1);
    await seconds(6);
    expect(leaders()).toBe(1);
    expect(tabs[0].isLeader).toBe(true);
    expect(changes).toEqual([true]);
  });

  it('a tab that joins later follows the leader it hears', async () => {
    const name = `late-${process.pid}`;
    tabs.push(electLeader(name, 'tab-z'));
    await seconds(6);
    expect(tabs[0].isLeader).toBe(true);
    tabs.push(electLeader(name, 'tab-a')); // smaller id, but a leader is alive: it does not take over
    await seconds(6);
    expect(tabs.map((t) => t.isLeader)).toEqual([true, false]);
  });
});

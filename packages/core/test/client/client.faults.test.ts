// Faults: the server (fileStore) stops and restarts mid-session; connections are cut while writes are in flight.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import type { ConnectionState } from '../../src/client/types';
import { recordingFetch, startServer, type TestServer, waitFor } from './harness';

interface Doc {
  items: string[];
  count: number;
}

let server: TestServer | undefined;
let dir: string | undefined;
const clients: BraidClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

async function startFileServer() {
  dir = mkdtempSync(join(tmpdir(), 'braid-faults-'));
  const storeDir = dir;
  server = await startServer(() => ({
    options: { store: fileStore(storeDir) },
    define: (braid) => braid.resource('/doc', { initial: { items: [], count: 0 }, initialVersion: 'v0' }),
  }));
  return server;
}

describe('reconnect and resume', () => {
  it('goes reconnecting → live across a restart, resumes from its version, and delivers offline edits exactly once', async () => {
    const srv = await startFileServer();
    const { fetch, subscriptions } = recordingFetch();
    const client = new BraidClient({
      baseUrl: srv.base,
      fetch,
      peer: 'p',
      retry: { baseMs: 50, maxMs: 400 },
    });
    clients.push(client);
    const res = client.resource<Doc>('/doc');
    const states: ConnectionState[] = [];
    res.subscribe(() => {
      const s = res.getStatus().state;
      if (states[states.length - 1] !== s) states.push(s);
    });
    await res.ready;
    res.set((d) => {
      d.items.push('before');
    });
    await waitFor(() => res.getStatus().pending === 0);
    const versionBefore = res.getStatus().version!;

    await srv.braid.close();
    for (const socket of srv.sockets) socket.destroy();
    await waitFor(() => res.getStatus().state === 'reconnecting', 3000, 'reconnecting');
    // Edits while the server is down stay pending and visible.
    res.set((d) => {
      d.items.push('offline-1');
    });
    res.set((d) => {
      d.count = 7;
    });
    expect(res.getSnapshot()).toEqual({ items: ['before', 'offline-1'], count: 7 });
    expect(res.getStatus().pending).toBe(2);

    await srv.restart();
    await waitFor(
      () => res.getStatus().state === 'live' && res.getStatus().pending === 0,
      8000,
      'live again',
    );
    expect(states).toEqual(expect.arrayContaining(['live', 'reconnecting']));
    expect(states.lastIndexOf('live')).toBeGreaterThan(states.indexOf('reconnecting'));
    // The resubscription named the version it had.
    const resume = subscriptions().find((r, i) => i > 0 && r.headers.parents);
    expect(resume?.headers.parents).toBe(JSON.stringify(versionBefore[0]));
    // Exactly once: the offline edits are one version on the server, not two.
    const history = await srv.braid.history('/doc');
    const ids = history.map((h) => h.version);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await srv.braid.get('/doc')).value).toEqual({ items: ['before', 'offline-1'], count: 7 });
    expect(res.getSnapshot()).toEqual((await srv.braid.get('/doc')).value);
  }, 20_000);

  it('resends a write whose answer was lost with the same Version, and the server applies it once', async () => {
    const srv = await startFileServer();
    const client = new BraidClient({ baseUrl: srv.base, peer: 'w', retry: { baseMs: 50, maxMs: 200 } });
    clients.push(client);
    const res = client.resource<Doc>('/doc');
    res.subscribe(() => {});
    await res.ready;
    // Cut every connection right after each write arrives, many times over.
    for (let i = 0; i < 10; i++) {
      res.set((d) => {
        d.items.push(`w${i}`);
        d.count++;
      });
      setTimeout(() => {
        for (const socket of srv.sockets) socket.destroy();
      }, i % 3);
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(
      () => res.getStatus().pending === 0 && res.getStatus().state === 'live',
      10_000,
      'all writes done',
    );
    const value = (await srv.braid.get('/doc')).value as Doc;
    expect(value.count).toBe(10);
    expect([...value.items].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`).sort());
    await waitFor(() => isDeepStrictEqual(res.getSnapshot(), value));
  }, 20_000);
});

// @vitest-environment jsdom
// An edit that a concurrent edit overrode entirely rejects its set() promise with kind 'conflict' (nothing of it
// reaches the server), against a real @braid-live/server on 127.0.0.1. The edit is kept back by going offline
// (jsdom's window events), so the order is certain: my edit, their delete on the server, then I reconnect.
// (Edits buffered together are composed into one write: when only part of that write is overridden, their
// promises resolve with it, and the lost part is reported as a 'conflict' error through onError/status.)
import { memoryStore } from '@braid-live/server';
import { afterEach, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { startServer, type TestServer, waitFor } from './harness';

interface Doc {
  title?: string;
  limit: number;
}

let server: TestServer;
let client: BraidClient;
afterEach(async () => {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
  client?.close();
  await server?.stop();
});

const setOnline = (online: boolean) => {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
};

describe('an edit a concurrent edit overrode entirely', () => {
  it('rejects with kind conflict: the server deleted what it edited before it went out', async () => {
    server = await startServer(() => ({
      options: { store: memoryStore() },
      define: (braid) =>
        braid.resource('/doc', { initial: { title: 'draft', limit: 1 }, initialVersion: 'v0' }),
    }));
    client = new BraidClient({ baseUrl: server.base, peer: 'me', retry: { baseMs: 10, maxMs: 50 } });
    const res = client.resource<Doc>('/doc');
    res.subscribe(() => {});
    await res.ready;

    setOnline(false);
    await waitFor(() => res.getStatus().state === 'offline', 5000, 'offline');
    const errors: string[] = [];
    res.onError((e) => errors.push(e.kind));
    const typed = res.set((d) => void (d.title = `${d.title}!`)); // typing into the title, kept back
    await server.braid.patch('/doc', (d: Doc) => void delete d.title); // someone deletes the title meanwhile

    setOnline(true);
    await expect(typed).rejects.toMatchObject({ kind: 'conflict' });
    expect(errors).toContain('conflict');
    await waitFor(() => res.getStatus().pending === 0 && res.getStatus().state === 'live', 5000, 'settled');
    expect(res.getSnapshot()).toEqual({ limit: 1 });
    expect((await server.braid.get<Doc>('/doc')).value).toEqual({ limit: 1 });
  });
});

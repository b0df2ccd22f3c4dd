// `await resource.set(...)` against a real @braid-live/server on 127.0.0.1: resolved once the server confirmed the
// write (its version is in the server's history), rejected with a typed BraidError when refused or dropped, and
// harmless when ignored (vitest fails a run on any unhandled rejection). `status.pendingVersions` for
// "saving… / saved".
import { memoryStore } from '@braid-live/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BraidClient, BraidError, type ResourceStatus } from '../../src/client/index';
import { startServer, type TestServer, waitFor } from './harness';

interface Doc {
  title: string;
  limit: number;
}

let server: TestServer;
let client: BraidClient;
/** While set, the server holds every write until it resolves (to look at the client in between). */
let gate: Promise<void> | undefined;

beforeEach(async () => {
  gate = undefined;
  server = await startServer(() => ({
    options: { store: memoryStore() },
    define: (braid) =>
      braid.resource('/doc', {
        initial: { title: 'a', limit: 1 },
        initialVersion: 'v0',
        validate: async (next: Doc) => {
          await gate;
          return next.limit <= 100 ? true : 'limit must be at most 100';
        },
      }),
  }));
  client = new BraidClient({ baseUrl: server.base, peer: 'me' });
});
afterEach(async () => {
  client.close();
  await server.stop();
});

async function open() {
  const res = client.resource<Doc>('/doc');
  res.subscribe(() => {});
  await res.ready;
  return res;
}

describe('set() returns the write', () => {
  it('resolves once the server confirmed it: its version is in the history, nothing pending', async () => {
    const res = await open();
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    let settled = false;
    const saved = res
      .set((d) => void (d.title = 'b'))
      .then(() => {
        settled = true;
      });
    // Saving…: the write is out, the server holds it.
    await waitFor(() => res.getStatus().pendingVersions.length === 1, 5000, 'the write in flight');
    const [version] = res.getStatus().pendingVersions;
    expect(version).toMatch(/^me-/);
    expect(res.getStatus().pending).toBe(1);
    expect(settled).toBe(false);
    release();
    await saved;
    // Saved: confirmed by the server, in its history, nothing pending.
    expect(res.getStatus()).toMatchObject({ pending: 0, pendingVersions: [], version: [version] });
    expect((await server.braid.history('/doc')).map((h) => h.version)).toContain(version);
    expect((await server.braid.get<Doc>('/doc')).value.title).toBe('b');
  });

  it('edits made while one write is in flight are one write, and each of their promises resolves', async () => {
    const res = await open();
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const first = res.set((d) => void (d.title = 'x'));
    await waitFor(() => res.getStatus().pendingVersions.length === 1, 5000, 'the first write in flight');
    const later = [res.set((d) => void (d.limit = 2)), res.set((d) => void (d.limit = 3))];
    expect(res.getStatus().pending).toBe(3);
    release();
    await Promise.all([first, ...later]);
    expect((await server.braid.get<Doc>('/doc')).value).toEqual({ title: 'x', limit: 3 });
    expect(res.getStatus()).toMatchObject({ pending: 0, pendingVersions: [] });
  });

  it('rejects with a BraidError (rejected, the status) when the server refuses it, and rolls it back', async () => {
    const res = await open();
    const refused = res.set((d) => void (d.limit = 1000));
    await expect(refused).rejects.toBeInstanceOf(BraidError);
    await expect(refused).rejects.toMatchObject({ kind: 'rejected', status: 422 });
    expect(res.getSnapshot()!.limit).toBe(1);
    expect(res.getStatus().pending).toBe(0);
  });

  it('a refused write whose promise nobody awaits is no unhandled rejection (the error is in the status)', async () => {
    const res = await open();
    void res.set((d) => void (d.limit = 1000));
    await waitFor(() => res.getStatus().error?.kind === 'rejected', 5000, 'the refusal');
    // Give the runtime a turn to report an unhandled rejection, if there were one (vitest fails the run on it).
    await new Promise((resolve) => setImmediate(resolve));
    expect(res.getSnapshot()!.limit).toBe(1);
  });

  it('an edit that changes nothing resolves at once; edits made before the first value resolve once confirmed', async () => {
    const res = client.resource<Doc>('/doc');
    const early = res.set((d) => void (d.title = 'early'));
    res.subscribe(() => {});
    await early;
    expect((await server.braid.get<Doc>('/doc')).value.title).toBe('early');
    await expect(res.set((d) => void (d.title = 'early'))).resolves.toBeUndefined();
  });

  it('rejects with kind closed when the client closes before the server confirmed it', async () => {
    const res = await open();
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    }); // the server does not answer before the client closes
    const statuses: ResourceStatus[] = [];
    res.subscribe(() => statuses.push(res.getStatus()));
    const write = res.set((d) => void (d.title = 'lost?'));
    await waitFor(() => res.getStatus().pendingVersions.length === 1, 5000, 'the write in flight');
    client.close();
    await expect(write).rejects.toMatchObject({ kind: 'closed' });
    release();
    expect(statuses.some((s) => s.pendingVersions.length === 1)).toBe(true);
  });
});

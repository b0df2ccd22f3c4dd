// BraidClient against the reference implementation's server: a braidify app from braid-http 1.3.80 that keeps
// a JSON document and rebroadcasts every write to every subscriber (the writer sees its echo).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { startRebroadcastServer } from '../referenceBraid';
import { waitFor } from './harness';

let server: Awaited<ReturnType<typeof startRebroadcastServer>>;
let base: string;

beforeAll(async () => {
  server = await startRebroadcastServer('{"title":"hello","messages":[{"text":"hi"}],"n":0}', 'v0');
  base = server.base;
});
afterAll(() => server.close());

describe('BraidClient with a braid-http 1.3.80 braidify server', () => {
  it('subscribes, receives snapshot and patches, writes, and sees its echo confirm the write', async () => {
    const client = new BraidClient({ baseUrl: base, peer: 'ref', heartbeats: 0 });
    const other = new BraidClient({ baseUrl: base, peer: 'other', heartbeats: 0 });
    try {
      type Doc = { title: string; messages: { text: string }[]; n: number };
      const res = client.resource<Doc>('/doc');
      res.subscribe(() => {});
      await res.ready;
      expect(res.getSnapshot()).toEqual({ title: 'hello', messages: [{ text: 'hi' }], n: 0 });
      expect(res.getStatus().version).toEqual(['v0']);

      res.set((d) => {
        d.messages.push({ text: 'héllo ☃' });
        d.n = 1;
      });
      expect(res.getStatus().pending).toBe(1);
      await waitFor(() => res.getStatus().pending === 0, 5000, 'the echo');
      expect(res.getStatus().version).toEqual([`ref-${client.instance}-1`]);
      expect(server.doc()).toEqual({ title: 'hello', messages: [{ text: 'hi' }, { text: 'héllo ☃' }], n: 1 });

      // Another client's write arrives as patches.
      const res2 = other.resource<Doc>('/doc');
      res2.subscribe(() => {});
      await res2.ready;
      res2.set((d) => {
        d.title = 'from other';
      });
      await waitFor(() => res.getSnapshot()?.title === 'from other', 5000, 'the other write');
      expect(res.getStatus().version).toEqual([`other-${other.instance}-1`]);
      expect(res.getSnapshot()).toEqual(server.doc());
    } finally {
      client.close();
      other.close();
    }
  });
});

// BraidClient against the reference implementation's server: a braidify app from braid-http 1.3.80 that keeps
// a JSON document and rebroadcasts every write to every subscriber (the writer sees its echo).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BraidClient } from '../../src/client/index';
import { applyJsonPatches, type JsonPatch } from '../../src/protocol/index';
import { type BraidRes, braidify } from '../referenceBraid';
import { waitFor } from './harness';

const utf8 = new TextDecoder();
let doc: unknown = { title: 'hello', messages: [{ text: 'hi' }], n: 0 };
let version = 'v0';
const subscribers = new Set<BraidRes>();
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer(
    braidify(async (req, res) => {
      if (req.method === 'GET' && req.subscribe) {
        res.startSubscription({ onClose: () => subscribers.delete(res) });
        subscribers.add(res);
        res.sendUpdate({ version: [version], body: JSON.stringify(doc) });
        return;
      }
      if (req.method === 'PUT') {
        const update = await req.parseUpdate();
        const patches: JsonPatch[] = update.patches
          ? update.patches.map((p) =>
              p.content.length
                ? { range: p.range, content: JSON.parse(utf8.decode(p.content)) }
                : { range: p.range },
            )
          : [{ range: '', content: JSON.parse(utf8.decode(update.body!)) }];
        doc = applyJsonPatches(doc, patches);
        const parents = [version];
        version = req.version![0];
        for (const s of subscribers) {
          s.sendUpdate(
            update.patches
              ? {
                  version: [version],
                  parents,
                  patches: update.patches.map((p) => ({ unit: p.unit, range: p.range, content: p.content })),
                }
              : { version: [version], parents, body: JSON.stringify(doc) },
          );
        }
        res.statusCode = 200;
        res.end();
        return;
      }
      res.statusCode = 404;
      res.end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of subscribers) s.end();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

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
      expect(res.getStatus().version).toEqual(['ref-1']);
      expect(doc).toEqual({ title: 'hello', messages: [{ text: 'hi' }, { text: 'héllo ☃' }], n: 1 });

      // Another client's write arrives as patches.
      const res2 = other.resource<Doc>('/doc');
      res2.subscribe(() => {});
      await res2.ready;
      res2.set((d) => {
        d.title = 'from other';
      });
      await waitFor(() => res.getSnapshot()?.title === 'from other', 5000, 'the other write');
      expect(res.getStatus().version).toEqual(['other-1']);
      expect(res.getSnapshot()).toEqual(doc);
    } finally {
      client.close();
      other.close();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyJsonPatches, type JsonPatch } from '@braid-live/core/protocol';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type BraidServer, createBraidServer, fileStore } from '../src/index';
import { eventually } from './helpers/server';

// Interop with the reference client, braid-http 1.3.80 from npm (its fetch, on Node's undici).
const braidFetch: (url: string, params?: Record<string, unknown>) => Promise<any> = createRequire(
  import.meta.url,
)('braid-http').fetch;

interface ClientUpdate {
  version?: string[];
  parents?: string[];
  body_text?: string;
  body?: Uint8Array;
  patches?: { unit: string; range: string; content_text: string }[];
}

const INITIAL = { title: 'hello', messages: [{ text: 'hi' }], n: 0 };
const dir = mkdtempSync(join(tmpdir(), 'braid-live-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server on the fileStore directory; `port` 0 the first time, the same port after a restart. */
async function serve(
  port = 0,
): Promise<{ braid: BraidServer; server: http.Server; port: number; stop(): Promise<void> }> {
  const braid = createBraidServer({ store: fileStore(dir), onError: () => {} });
  braid.resource('/doc', { initial: INITIAL });
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    braid,
    server,
    port: (server.address() as AddressInfo).port,
    async stop() {
      await braid.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What a client does with an update: a snapshot replaces the value, patches apply to it. */
function applyUpdate(value: unknown, update: ClientUpdate): unknown {
  if (update.body) return JSON.parse(update.body_text!);
  const patches: JsonPatch[] = (update.patches ?? []).map((p) => {
    expect(p.unit).toBe('json');
    return p.content_text === ''
      ? { range: p.range }
      : { range: p.range, content: JSON.parse(p.content_text) };
  });
  return applyJsonPatches(value, patches);
}

describe('braid-http 1.3.80 client', () => {
  it('subscribes, receives every version, writes 2 unicode patches, and resumes with parents after a restart', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {}); // braid-http logs its retries
    vi.spyOn(console, 'debug').mockImplementation(() => {});
    let running = await serve();
    const url = `http://127.0.0.1:${running.port}/doc`;

    const updates: ClientUpdate[] = [];
    let value: unknown;
    let lastVersion: string[] | undefined;
    const aborter = new AbortController();
    const subscription = await braidFetch(url, {
      subscribe: true,
      retry: true,
      peer: 'peer-A',
      signal: aborter.signal,
      // On every (re)connect: resume from the last version seen
      parents: () => lastVersion,
    });
    expect(subscription.status).toBe(209);
    subscription.subscribe(
      (update: ClientUpdate) => {
        updates.push(update);
        value = applyUpdate(value, update);
        if (update.version) lastVersion = update.version;
      },
      () => {},
    );
    await eventually(() => updates.length === 1, 5000, 'the snapshot');
    expect(updates[0].body).toBeDefined();
    expect(value).toEqual(INITIAL);
    // The initial state has a version id, which the client can name in Parents.
    expect(updates[0].version?.[0]).toMatch(/^init-/);
    const initialId = updates[0].version!;

    // A write with two patches, UTF-8 content, based on the version the client has (the initial one)
    const put = await braidFetch(url, {
      method: 'PUT',
      version: ['w-1'],
      parents: initialId,
      patches: [
        { unit: 'json', range: '.messages[0:0]', content: JSON.stringify([{ text: 'héllo ☃' }]) },
        { unit: 'json', range: '.title', content: '"two patches"' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('version')).toBe('"w-1"');

    // An inline single patch, a non-ASCII version id, and a server-side write
    const single = await braidFetch(url, {
      method: 'PATCH',
      version: ['é-2'],
      parents: ['w-1'],
      patches: [{ unit: 'json', range: '.n', content: '13' }],
    });
    expect(single.status).toBe(200);
    const serverVersion = await running.braid.patch('/doc', (d: { messages: { text: string }[] }) => {
      d.messages.push({ text: 'from the server' });
    });

    await eventually(() => updates.length === 4, 5000, '3 more updates');
    expect(updates.slice(1).map((u) => u.version)).toEqual([['w-1'], ['é-2'], [serverVersion]]);
    expect(updates[1].parents).toEqual(initialId);
    expect(updates[1].patches?.map((p) => [p.range, p.content_text])).toEqual([
      ['.messages[0:0]', '[{"text":"héllo ☃"}]'],
      ['.title', '"two patches"'],
    ]);
    expect(updates[2].parents).toEqual(['w-1']);
    expect(updates[3].parents).toEqual(['é-2']);
    expect(value).toEqual((await running.braid.get('/doc')).value);
    expect(value).toEqual({
      title: 'two patches',
      messages: [{ text: 'héllo ☃' }, { text: 'hi' }, { text: 'from the server' }],
      n: 13,
    });

    // Restart on the same directory and port: the client reconnects with Parents = its last version.
    const port = running.port;
    await running.stop();
    running = await serve(port);
    try {
      expect((await running.braid.get('/doc')).version).toEqual([serverVersion]);
      await eventually(() => running.braid.stats().subscribers === 1, 10_000, 'the client to reconnect');
      const afterRestart = await running.braid.patch('/doc', (d: { n: number }) => {
        d.n = 14;
      });
      await eventually(() => updates.length === 5, 5000, 'the update after the restart');
      // Resumed, not re-snapshotted: the only new update is the patch after the restart.
      expect(updates[4].version).toEqual([afterRestart]);
      expect(updates[4].parents).toEqual([serverVersion]);
      expect(updates[4].body).toBeUndefined();
      expect(value).toEqual({ ...((await running.braid.get('/doc')).value as object) });
      expect((value as { n: number }).n).toBe(14);
    } finally {
      aborter.abort();
      await running.stop();
    }
  }, 30_000);
});

// Interop with the reference implementation: a braid-http 1.3.80 `braidify` server, subscribed to with plain
// fetch + createUpdateParser, written to with serializeWrite.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpdateParser } from '../src/protocol/parseUpdateStream';
import { serializeUpdate, serializeWrite, type UpdateInput } from '../src/protocol/serialize';
import type { Update } from '../src/protocol/types';
import { view } from './parserHarness';
import { braidFetch, braidHttpVersion, startRebroadcastServer } from './referenceBraid';

interface ClientUpdate {
  version?: string[];
  parents?: string[];
  status?: string;
  body?: Uint8Array;
  patches?: { unit: string; range: string; content: Uint8Array; extra_headers?: Record<string, string> }[];
  extra_headers?: Record<string, string>;
}

const DOC = '{"title":"hello","messages":[],"n":0}';
const utf8 = new TextDecoder();

describe(`interop with braid-http ${braidHttpVersion} (braidify server)`, () => {
  let server: Awaited<ReturnType<typeof startRebroadcastServer>>;
  let url: string;
  const received: { version?: string[]; parents?: string[]; body?: string; patches?: string[] }[] = [];

  beforeAll(async () => {
    server = await startRebroadcastServer(DOC, 'v0', (req, update) =>
      received.push({
        version: req.version,
        parents: req.parents,
        body: update.body && utf8.decode(update.body),
        patches: update.patches?.map((p) => `${p.unit} ${p.range} = ${utf8.decode(p.content)}`),
      }),
    );
    url = `${server.base}/doc`;
  });

  afterAll(() => server.close());

  it('streams a snapshot, a PUT snapshot, a PUT of 2 patches and an inlined patch to our parser', async () => {
    const abort = new AbortController();
    const updates: Update[] = [];
    const parser = createUpdateParser((u) => updates.push(u));
    const res = await fetch(url, { headers: { Subscribe: 'true' }, signal: abort.signal });
    expect(res.status).toBe(209);
    expect(res.headers.get('subscribe')).toBe('true');

    const reader = res.body!.getReader();
    const pump = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          parser.push(value);
        }
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      }
    })();
    const waitForUpdates = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (updates.length < n) {
        if (Date.now() > deadline) throw new Error(`waited for ${n} updates, got ${updates.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const put = async (write: Parameters<typeof serializeWrite>[0]) => {
      const { headers, body } = serializeWrite(write);
      const r = await fetch(url, { method: 'PUT', headers, body });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    };

    try {
      await waitForUpdates(1);
      await put({ version: ['v1'], parents: ['v0'], body: '{"title":"snap","messages":[],"n":1}' });
      await waitForUpdates(2);
      await put({
        version: ['é-2'],
        parents: ['v1'],
        patches: [
          { unit: 'json', range: '.messages[0:0]', content: '[{"text":"héllo ☃"}]' },
          { unit: 'json', range: '.title', content: '"two ☃"' },
        ],
      });
      await waitForUpdates(3);
      await put({
        version: ['v3'],
        parents: ['é-2'],
        patches: [{ unit: 'json', range: '.n', content: '3' }],
      });
      await waitForUpdates(4);
    } finally {
      abort.abort();
      await pump;
    }

    expect(received).toEqual([
      { version: ['v1'], parents: ['v0'], body: '{"title":"snap","messages":[],"n":1}', patches: undefined },
      {
        version: ['é-2'],
        parents: ['v1'],
        body: undefined,
        patches: ['json .messages[0:0] = [{"text":"héllo ☃"}]', 'json .title = "two ☃"'],
      },
      { version: ['v3'], parents: ['é-2'], body: undefined, patches: ['json .n = 3'] },
    ]);
    const patch = (range: string, content: string) => ({ unit: 'json', range, content, headers: {} });
    expect(updates.map(view)).toEqual([
      { status: 200, version: ['v0'], parents: [], headers: {}, body: DOC },
      {
        status: 200,
        version: ['v1'],
        parents: ['v0'],
        headers: {},
        body: '{"title":"snap","messages":[],"n":1}',
      },
      {
        status: 200,
        version: ['é-2'],
        parents: ['v1'],
        headers: {},
        patches: [patch('.messages[0:0]', '[{"text":"héllo ☃"}]'), patch('.title', '"two ☃"')],
      },
      { status: 200, version: ['v3'], parents: ['é-2'], headers: {}, patches: [patch('.n', '3')] },
    ]);
  });
});

describe(`braid-http ${braidHttpVersion}'s own client reads serializeUpdate output`, () => {
  const UPDATES: UpdateInput[] = [
    { version: ['v0'], headers: { 'Content-Type': 'application/json' }, body: DOC },
    {
      version: ['é-1'],
      parents: ['v0'],
      patches: [
        { unit: 'json', range: '.messages[0:0]', content: '[{"text":"héllo ☃"}]' },
        { unit: 'json', range: '.title', content: '"two"', headers: { 'X-Why': 'test' } },
      ],
    },
    { version: ['v2'], parents: ['é-1'], patches: [{ range: '.n', content: '2' }] },
    { version: ['v3'], parents: ['v2'], patches: [] },
    // No Version and a first header starting with "e": without our status line, 1.3.80's client would take
    // this for a binary "Encoding:" block.
    { headers: { etag: '"x"' }, body: 'eee' },
  ];

  it('parses every update the way we wrote it', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(209, { 'Content-Type': 'application/json', Subscribe: 'true' });
      for (const u of UPDATES) res.write(serializeUpdate(u));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const abort = new AbortController();
    const got: ClientUpdate[] = [];
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`;
      const res = await braidFetch(url, { subscribe: true, multiplex: false, signal: abort.signal });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`got ${got.length} updates`)), 5000);
        res.subscribe(
          (u: ClientUpdate) => {
            got.push(u);
            if (got.length === UPDATES.length) {
              clearTimeout(timer);
              resolve();
            }
          },
          (e: unknown) => {
            clearTimeout(timer);
            reject(e);
          },
        );
      });
    } finally {
      abort.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const text = (b?: Uint8Array) => b && utf8.decode(b);
    expect(
      got.map((u) => ({
        status: u.status,
        version: u.version,
        parents: u.parents,
        extra: u.extra_headers,
        body: text(u.body),
        patches: u.patches?.map((p) => [p.unit, p.range, text(p.content), p.extra_headers]),
      })),
    ).toEqual([
      {
        status: '200',
        version: ['v0'],
        parents: undefined,
        extra: { 'content-type': 'application/json' },
        body: DOC,
      },
      {
        status: '200',
        version: ['é-1'],
        parents: ['v0'],
        extra: undefined,
        body: undefined,
        patches: [
          ['json', '.messages[0:0]', '[{"text":"héllo ☃"}]', undefined],
          ['json', '.title', '"two"', { 'x-why': 'test' }],
        ],
      },
      {
        status: '200',
        version: ['v2'],
        parents: ['é-1'],
        extra: undefined,
        patches: [['json', '.n', '2', undefined]],
      },
      { status: '200', version: ['v3'], parents: ['v2'], extra: undefined, patches: [] },
      { status: '200', version: undefined, parents: undefined, extra: { etag: '"x"' }, body: 'eee' },
    ]);
  });
});

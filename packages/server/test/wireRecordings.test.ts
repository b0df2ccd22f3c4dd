import { describe, expect, it } from 'vitest';
import {
  type HttpMessage,
  loadRecording,
  readHttpMessages,
  recordingNames,
} from '../../core/test/wireFixtures';
import { memoryStore } from '../src/index';
import { rawExchange, rawRequest } from './helpers/rawHttp';
import { openRawStream } from './helpers/rawMultiplexStream';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, startBraid } from './helpers/server';

// Every request recorded between braid-http (1.3.80 and 1.4.7), curl and a braidify server is sent, byte for
// byte, to our server, which serves the same two resources as the recorded one: /doc (a JSON document whose
// initial version is "v0") and /text (a string; the recorded `text` range unit is refused: 400).

const DOC = { title: 'hello', messages: [{ text: 'hi' }], n: 0 };

interface RecordedRequest {
  file: string;
  section: string;
  message: HttpMessage;
  bytes: Buffer;
}

function recordedRequests(files: string[]): RecordedRequest[] {
  const out: RecordedRequest[] = [];
  for (const file of files) {
    for (const section of loadRecording(file).sections) {
      if (!/REQUEST|c2s/.test(section.title) || /RESPONSE/.test(section.title)) continue;
      for (const message of readHttpMessages(section.bytes)) {
        // Re-assembled from the parsed fields exactly as recorded (`Name: value`, CRLFs, body).
        const head = [message.startLine, ...message.fields.map(([k, v]) => `${k}: ${v}`)].join('\r\n');
        out.push({
          file,
          section: section.title,
          message,
          bytes: Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), message.body]),
        });
      }
    }
  }
  return out;
}

const versionsOf = (value: string | undefined) => (value ? (JSON.parse(`[${value}]`) as string[]) : []);

async function replay(files: string[]): Promise<{ server: RunningBraid; outcomes: string[] }> {
  const server = await startBraid({ store: memoryStore() }, (braid) => {
    braid.resource('/doc', { initial: DOC, initialVersion: 'v0' });
    braid.resource('/text', { initial: 'Hello world', initialVersion: 'v0' });
  });
  const known = new Set(['v0']);
  const pending = recordedRequests(files);
  const outcomes: string[] = [];
  try {
    // The recordings interleave several connections; send each request once what it depends on exists.
    while (pending.length) {
      const index = pending.findIndex(({ message }) => {
        const h = message.headers;
        const needs = [
          ...versionsOf(h.parents),
          ...(message.startLine.startsWith('GET') ? versionsOf(h.version) : []),
        ];
        return needs.every((v) => known.has(v));
      });
      expect(
        index,
        `a recorded request waits for a version nobody writes: ${pending[0]?.message.startLine}`,
      ).toBeGreaterThanOrEqual(0);
      const [req] = pending.splice(index, 1);
      const [method, path] = req.message.startLine.split(' ');
      const h = req.message.headers;
      const label = `${req.file} / ${req.section}: ${method} ${path}`;

      if (method === 'GET' && (h.subscribe !== undefined || h['multiplex-through'] !== undefined)) {
        const sub = await RawSubscriber.fromBytes(server.port, req.bytes);
        expect(sub.status, label).toBe(209);
        const resumedAtHead =
          h.parents !== undefined &&
          (await server.braid.get(path)).version.join() === versionsOf(h.parents).join();
        if (!resumedAtHead) await sub.waitForUpdates(1);
        expect(sub.error, label).toBeUndefined();
        sub.close();
        outcomes.push(`${label} → 209`);
        continue;
      }
      const res = await rawRequest(server.port, req.bytes);
      outcomes.push(`${label} → ${res.status}`);
      if (method === 'PUT' || method === 'PATCH') {
        if (path === '/text') {
          expect(res.status, label).toBe(400);
          expect(res.text).toMatch(/unknown range unit "text"/);
        } else {
          expect(res.status, `${label}: ${res.text}`).toBe(200);
          expect(res.headers.version).toBe(h.version);
          for (const v of versionsOf(h.version)) known.add(v);
        }
      } else {
        expect(res.status, label).toBe(200);
        if (method === 'HEAD') expect(res.body.length).toBe(0);
        else if (h.version) expect(res.headers.version, label).toBe(h.version);
        else expect(JSON.parse(res.text), label).toEqual((await server.braid.get(path)).value);
      }
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { server, outcomes };
}

async function getAt(server: RunningBraid, path: string, version: string): Promise<unknown> {
  const res = await rawRequest(
    server.port,
    `GET ${path} HTTP/1.1\r\nHost: x\r\nVersion: ${JSON.stringify(version)}\r\n\r\n`,
  );
  return JSON.parse(res.text);
}

const names = recordingNames();

describe.each(['1.3.80', '1.4.7'])('braid-http %s recordings', (dialect) => {
  it('accepts every curl request (subscribe, the 4 writes, resume, heartbeats, GET, old Version, HEAD)', async () => {
    const files = names.filter((n) => n.includes(dialect) && n.includes('-curl-'));
    expect(files.length).toBe(3);
    const { server, outcomes } = await replay(files);
    try {
      expect(outcomes.length).toBeGreaterThanOrEqual(8);
      // The state the recorded server reached, and the old version the recording read back
      expect((await server.braid.get('/doc')).value).toEqual({
        title: 'title',
        messages: [{ text: 'yo!' }, { text: 'appended' }],
        n: 2,
      });
      expect(await getAt(server, '/doc', 'c1')).toEqual({ title: 'snap', messages: [], n: 1 });
    } finally {
      await server.stop();
    }
  });

  it("accepts every request of braid-http's own client (2 patches with UTF-8, inline patch, \\u00e9 version ids)", async () => {
    const files = names.filter((n) => n.includes(dialect) && n.includes('-client-'));
    const { server, outcomes } = await replay(files);
    try {
      expect(outcomes.some((o) => o.includes('/text') && o.endsWith('400'))).toBe(true);
      expect(await server.braid.get('/doc')).toMatchObject({
        version: ['é-5'],
        value: { title: 'two patches', messages: [{ text: 'héllo ☃' }], n: 13 },
      });
    } finally {
      await server.stop();
    }
  });
});

describe('braid-http 1.4.7 multiplexing recording', () => {
  it('serves the recorded multiplexer session: POST opens a stream, Multiplex-Through gets 293, DELETE closes', async () => {
    const requests = recordedRequests(names.filter((n) => n.includes('multiplex')));
    const find = (method: string, path: string) =>
      requests.find((r) => r.message.startLine.startsWith(`${method} ${path} `))!;
    const server = await startBraid({ store: memoryStore() }, (braid) => {
      braid.resource('/doc', { initial: DOC, initialVersion: 'v0' });
      braid.resource('/text', { initial: 'Hello world', initialVersion: 'v0' });
    });
    const stream = await openRawStream(
      server.port,
      find('POST', '/.well-known/multiplexer/pzHeNv0EVdTa').bytes,
    );
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['multiplex-version']).toBe('1.0');
      const doc = find('GET', '/doc');
      const text = find('GET', '/text');
      for (const r of [doc, text]) {
        const [answer] = await rawExchange(server.port, r.bytes);
        expect(answer.status).toBe(293);
        expect(answer.headers['multiplex-through']).toBe(r.message.headers['multiplex-through']);
        expect(answer.text).toBe('Ok.');
      }
      const put = find('PUT', '/doc');
      expect((await rawRequest(server.port, put.bytes)).status).toBe(200);
      const frames = await stream.demuxed((d) => (d.get('gnFnvHpRYuQw')?.updates.length ?? 0) >= 2);
      const docResponse = frames.get('gnFnvHpRYuQw')!;
      expect(docResponse.head?.status).toBe(209);
      expect(docResponse.updates.map((u) => u.version)).toEqual([['v0'], ['m1']]);
      expect(
        docResponse.updates[1].patches?.map((p) => [p.range, Buffer.from(p.content).toString()]),
      ).toEqual([['.n', '99']]);
      expect(JSON.parse(Buffer.from(frames.get('piMf4sZP3iP7')!.updates[0].body!).toString())).toBe(
        'Hello world',
      );
      // The recorded DELETEs end each response and answer 200.
      expect(server.braid.stats().subscribers).toBe(2);
      for (const id of ['gnFnvHpRYuQw', 'piMf4sZP3iP7']) {
        const del = find('DELETE', `/.well-known/multiplexer/pzHeNv0EVdTa/${id}`);
        const [answer] = await rawExchange(server.port, del.bytes);
        expect(answer.status).toBe(200);
      }
      expect(server.braid.stats().subscribers).toBe(0);
      // Unknown ids: 404 (DELETE), 424 (Multiplex-Through to a missing multiplexer), 409 (a taken request id).
      const again = await rawExchange(
        server.port,
        find('DELETE', '/.well-known/multiplexer/pzHeNv0EVdTa/gnFnvHpRYuQw').bytes,
      );
      expect(again[0].status).toBe(404);
      expect(again[0].headers['bad-request']).toBe('gnFnvHpRYuQw');
      const missing = await rawExchange(
        server.port,
        doc.bytes.toString('latin1').replace(/pzHeNv0EVdTa/g, 'nosuchmuxxxx'),
      );
      expect(missing[0].status).toBe(424);
      const reopened = await rawExchange(server.port, doc.bytes);
      expect(reopened[0].status).toBe(293);
      const taken = await rawExchange(server.port, doc.bytes);
      expect(taken[0].status).toBe(409);
      expect(JSON.parse(taken[0].text).error).toBe('Request already multiplexed');
      const duplicate = await rawExchange(
        server.port,
        find('POST', '/.well-known/multiplexer/pzHeNv0EVdTa').bytes,
      );
      expect(duplicate[0].status).toBe(409);
      const badVersion = await rawExchange(
        server.port,
        'POST /.well-known/multiplexer/abc HTTP/1.1\r\nHost: x\r\nMultiplex-Version: 9\r\nContent-Length: 0\r\n\r\n',
      );
      expect(badVersion[0].status).toBe(400);
      // A response the server ends itself (here: shutdown) gets a `close response` frame.
      await server.braid.close();
      await stream.demuxed((d) => d.get('gnFnvHpRYuQw')?.closed === true);
    } finally {
      stream.close();
      await server.stop();
    }
  });
});

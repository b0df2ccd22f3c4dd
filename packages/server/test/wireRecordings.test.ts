import { describe, expect, it } from 'vitest';
import {
  type HttpMessage,
  loadRecording,
  readHttpMessages,
  recordingNames,
} from '../../core/test/wireFixtures';
import { memoryStore } from '../src/index';
import { rawRequest } from './helpers/rawHttp';
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
          h.parents !== undefined && server.braid.get(path).version.join() === versionsOf(h.parents).join();
        if (!resumedAtHead) await sub.waitForUpdates(1);
        expect(sub.error, label).toBeUndefined();
        sub.close();
        outcomes.push(`${label} → 209`);
        continue;
      }
      const res = await rawRequest(server.port, req.bytes);
      outcomes.push(`${label} → ${res.status}`);
      if (path.startsWith('/.well-known/multiplexer')) {
        // Multiplexing v1.0 is not implemented yet: the multiplexer endpoint does not exist.
        expect(res.status, label).toBe(404);
      } else if (method === 'PUT' || method === 'PATCH') {
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
        else expect(JSON.parse(res.text), label).toEqual(server.braid.get(path).value);
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
      expect(server.braid.get('/doc').value).toEqual({
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
      expect(server.braid.get('/doc')).toMatchObject({
        version: ['é-5'],
        value: { title: 'two patches', messages: [{ text: 'héllo ☃' }], n: 13 },
      });
    } finally {
      await server.stop();
    }
  });
});

it('serves the requests of the multiplexing recording directly (no multiplexer yet)', async () => {
  const { server, outcomes } = await replay(names.filter((n) => n.includes('multiplex')));
  try {
    expect(outcomes.filter((o) => o.includes('multiplexer')).every((o) => o.endsWith('404'))).toBe(true);
    expect(server.braid.get('/doc').value).toEqual({ ...DOC, n: 99 });
  } finally {
    await server.stop();
  }
});

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dechunk } from '../helpers/rawHttp';
import { type RunningBraid, startBraid } from '../helpers/server';
import { loadTextRecording, type RecordedPart, splitHead } from './textRecordings';

// Every captured simpleton exchange (braid-text 0.6.1 over braid-http 1.4.7, ../shared/braid-wire/text) is
// replayed against `braid.text`: the recorded requests are sent byte for byte on as many connections as were
// recorded, and what comes back is compared with what braid-text sent — every update in a subscription body
// byte for byte, and in each response head the status line and the Braid headers (values and order). Headers
// that say nothing about the protocol (Date, CORS, Keep-Alive, Vary, braid-text's json Range-Request-Allow-Units)
// are not compared. Where we answer differently on purpose, DEVIATIONS says so and what we send instead.

const COMPARED = [
  'version',
  'parents',
  'current-version',
  'merge-type',
  'accept-subscribe',
  'editable',
  'repr-type',
  'content-type',
  'subscribe',
  'heartbeats',
  'repr-digest',
  'retry-after',
];

/** file → part index → what we answer instead (docs/DESIGN.md "Text resources: where we differ"). */
const DEVIATIONS: Record<string, Record<number, { status: number; body?: string }>> = {
  // A range past the end and a counter too low are bad input: 400 with the same message (braid-text: 500).
  'simpleton-errors.txt': { 16: { status: 400 }, 18: { status: 400 } },
  // A PUT whose Repr-Digest does not match is refused and NOT applied (braid-text applies it, then says 550):
  // so the GET after it finds the text unchanged (empty).
  'simpleton-digest.txt': { 6: { status: 200, body: '' } },
};

class Connection {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (data) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until<T>(take: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + 8000;
    for (;;) {
      const got = take();
      if (got !== undefined) return got;
      if (this.closed || Date.now() > deadline)
        throw new Error(`connection: no ${what} (${this.buffer.length} bytes)`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  readExactly(n: number): Promise<Buffer> {
    return this.until(() => {
      if (this.buffer.length < n) return undefined;
      const out = this.buffer.subarray(0, n);
      this.buffer = this.buffer.subarray(n);
      return out;
    }, `${n} bytes`);
  }

  /** One response head, and its body unless it is a 209 (whose body is the stream). */
  readResponse(): Promise<{ head: ReturnType<typeof splitHead>; body: Buffer }> {
    return this.until(() => {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = splitHead(this.buffer.subarray(0, end + 4));
      const start = end + 4;
      const get = (name: string) => head.headers.find(([k]) => k === name)?.[1];
      if (head.status === 209) {
        this.buffer = this.buffer.subarray(start);
        return { head, body: Buffer.alloc(0) };
      }
      const length = get('content-length');
      if (length !== undefined) {
        if (this.buffer.length < start + Number(length)) return undefined;
        const body = this.buffer.subarray(start, start + Number(length));
        this.buffer = this.buffer.subarray(start + Number(length));
        return { head, body };
      }
      const decoded = dechunk(this.buffer.subarray(start));
      if (!decoded?.complete) return undefined;
      this.buffer = this.buffer.subarray(start + decoded.consumed);
      return { head, body: decoded.body };
    }, 'response');
  }
}

const compared = (headers: [string, string][]) => headers.filter(([k]) => COMPARED.includes(k));

let server: RunningBraid | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  server = undefined;
});

async function replay(file: string): Promise<number> {
  server = await startBraid({}, (braid) => braid.text('/:name', { initial: '' }));
  const port = server.port;
  const connections = new Map<number, Connection>();
  const connection = async (n: number) => {
    let c = connections.get(n);
    if (!c) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      c = new Connection(socket);
      connections.set(n, c);
    }
    return c;
  };
  let checked = 0;
  for (const part of loadTextRecording(file)) {
    if (part.dir === 'draft') continue;
    const conn = await connection(part.conn);
    if (part.dir === 'c2s') {
      conn.socket.write(part.bytes);
      continue;
    }
    const where = `${file} part ${part.index} (${part.step})`;
    if (part.what.startsWith('subscription stream continues')) {
      expect((await conn.readExactly(part.bytes.length)).toString('utf8'), where).toBe(
        part.bytes.toString('utf8'),
      );
      checked++;
      continue;
    }
    checkResponse(part, await conn.readResponse(), DEVIATIONS[file]?.[part.index], where);
    if (part.what.includes('subscription')) {
      const initial = splitHead(part.bytes).rest;
      expect((await conn.readExactly(initial.length)).toString('utf8'), where).toBe(initial.toString('utf8'));
    }
    checked++;
  }
  return checked;
}

function checkResponse(
  part: RecordedPart,
  ours: { head: ReturnType<typeof splitHead>; body: Buffer },
  deviation: { status: number; body?: string } | undefined,
  where: string,
) {
  const expected = splitHead(part.bytes);
  if (deviation) {
    expect(ours.head.status, where).toBe(deviation.status);
    if (deviation.body !== undefined) expect(ours.body.toString('utf8'), where).toBe(deviation.body);
    return;
  }
  expect(`${ours.head.status} ${ours.head.reason}`, where).toBe(`${expected.status} ${expected.reason}`);
  if (expected.status >= 300) {
    // Errors: the status line, and the Version / Retry-After of a 309 (our reason text differs in wording).
    for (const name of ['version', 'retry-after']) {
      const value = expected.headers.find(([k]) => k === name)?.[1];
      expect(ours.head.headers.find(([k]) => k === name)?.[1], `${where}: ${name}`).toBe(value);
    }
    return;
  }
  expect(compared(ours.head.headers), where).toEqual(compared(expected.headers));
  if (expected.status !== 209) expect(ours.body.toString('utf8'), where).toBe(expected.rest.toString('utf8'));
}

describe('simpleton recordings replayed against braid.text', () => {
  for (const file of [
    'simpleton-subscribe.txt',
    'simpleton-put.txt',
    'simpleton-put-multi.txt',
    'simpleton-resume.txt',
    'simpleton-catchup.txt',
    'simpleton-digest.txt',
    'simpleton-heartbeats.txt',
    'simpleton-errors.txt',
  ]) {
    it(file, async () => {
      expect(await replay(file)).toBeGreaterThan(3);
    });
  }
});

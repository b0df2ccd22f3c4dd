import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveLimits } from '../src/limits';
import { type RunningBraid, startBraid } from './helpers/server';

// A body refused from its Content-Length (413) is answered before the client has sent it: the client sees
// the 413 and its reason, not a connection reset (the server reads and throws away what keeps coming, within
// a bound and at the server's discard pace, and closes gracefully after its answer). A client that never
// stops sending is still disconnected. Each case runs at the default pace and at a slow one, where the server
// pauses reading between chunks for longer.

const MAX_BODY = 64 * 1024;
const BIG = 8 * 1024 * 1024;
const MiB = 1024 * 1024;

describe.each([
  ['the default discard pace', undefined],
  ['a slow discard pace (32 MiB/s)', 32 * MiB],
])('at %s', (_, maxDiscardBytesPerSecond) => {
  let server: RunningBraid;

  beforeAll(async () => {
    server = await startBraid({ limits: { maxBodyBytes: MAX_BODY, maxDiscardBytesPerSecond } }, (braid) => {
      braid.resource('/doc', { initial: { a: 1 } });
    });
  });
  afterAll(() => server.stop());

  /** A PUT of `bytes` with node:http, as an app would send it: what it sees (its answer, or its error). */
  function put(bytes: number): Promise<string> {
    return new Promise((resolve) => {
      const req = http.request(
        {
          method: 'PUT',
          host: '127.0.0.1',
          port: server.port,
          path: '/doc',
          agent: false,
          headers: { 'Content-Length': bytes, 'Content-Range': 'json .a' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve(`${res.statusCode} ${text.trim()}`));
          res.on('error', (error) => resolve(`response error ${error.message}`));
        },
      );
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end(Buffer.alloc(bytes, 0x31));
    });
  }

  describe('a body refused from its Content-Length', () => {
    it('is answered 413 with its reason, never a connection reset, however much of it is still coming', async () => {
      for (let i = 0; i < 6; i++) {
        const answer = await put(BIG);
        expect(answer).toMatch(/^413 request body too large \(8388608 bytes; the limit is 65536 bytes\)/);
      }
      expect((await server.braid.get('/doc')).value).toStrictEqual({ a: 1 });
    });

    it('is answered 413 to a client that reads nothing until it has sent its whole body', async () => {
      // Such a client (common: send, then read) loses an answer the server resets the connection under.
      const socket = net.connect(server.port, '127.0.0.1');
      socket.pause();
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const sent = await new Promise<string>((resolve) => {
        socket.once('error', (error) => resolve(`error ${error.message}`));
        socket.write(`PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: ${BIG}\r\n\r\n`);
        socket.write(Buffer.alloc(BIG, 0x31), (error) => resolve(error ? `error ${error.message}` : 'sent'));
      });
      expect(sent).toBe('sent');
      socket.setEncoding('utf8');
      let answer = '';
      socket.on('data', (chunk: string) => {
        answer += chunk;
        if (answer.includes('limit is')) socket.destroy();
      });
      socket.resume();
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(answer).toMatch(/^HTTP\/1\.1 413 .*request body too large/s);
    });

    it('disconnects a client that keeps sending after the answer and its FIN, once it has read and dropped a bound', async () => {
      // (allowHalfOpen: this client goes on writing after the server's FIN, until the server destroys the socket.)
      const socket = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 ** 4}\r\n\r\n`);
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x31);
      const closed = new Promise<void>((resolve) => {
        socket.on('close', () => resolve());
        socket.on('error', () => {});
      });
      // Writes as fast as the connection takes them, until the server is done with it (bounded: 1 GiB).
      let open = true;
      void closed.then(() => {
        open = false;
      });
      while (open && sent < 1024 ** 3) {
        sent += chunk.length;
        if (!socket.write(chunk)) await drainedOrClosed(socket);
      }
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/request body too large/);
      expect(sent).toBeLessThan(1024 ** 3);
    });
  });

  it('keeps the connection of a client that sends the whole refused body: its next request is answered', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.setEncoding('utf8');
    let answers = '';
    const both = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: string) => {
        answers += chunk;
        if (/HTTP\/1\.1 200[\s\S]*\{"a":1\}/.test(answers)) resolve();
      });
      socket.once('close', () => reject(new Error(`closed; read: ${answers.slice(0, 200)}`)));
    });
    const refused = 2 * MiB;
    socket.write(
      `PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Range: json .a\r\nContent-Length: ${refused}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(refused, 0x31));
    socket.write('GET /doc HTTP/1.1\r\nHost: x\r\n\r\n');
    await both;
    socket.destroy();
    expect(answers).toMatch(/^HTTP\/1\.1 413 [\s\S]*request body too large[\s\S]*HTTP\/1\.1 200 /);
    expect((await server.braid.get('/doc')).value).toStrictEqual({ a: 1 });
  });
});

describe('maxDiscardBytesPerSecond', () => {
  it('must be more than 0 (a refused body that is never read leaves its client waiting)', () => {
    expect(() => resolveLimits({ maxDiscardBytesPerSecond: 0 })).toThrow(/more than 0/);
    expect(
      resolveLimits({ maxDiscardBytesPerSecond: Number.POSITIVE_INFINITY }).maxDiscardBytesPerSecond,
    ).toBe(Number.POSITIVE_INFINITY);
  });
});

function drainedOrClosed(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resolve();
    };
    socket.on('drain', done).on('close', done);
  });
}

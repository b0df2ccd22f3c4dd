import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTextRecording, type RecordedPart } from '../../../server/test/text/textRecordings';
import { TextResource } from '../../src/text/index';
import { startServer, type TestServer, waitFor } from '../client/harness';
import { int, rng } from '../random';
import { minimalSimpletonClient } from './minimalSimpletonClient';

// Interop both ways: our TextResource against a server that answers with braid-text's recorded bytes, and a
// minimal simpleton client (written from the protocol description, see minimalSimpletonClient.ts) editing a
// braid.text resource together with our client.

/** A scripted server: every request is handed to `onRequest`, which answers with recorded bytes. */
async function scriptedServer(
  onRequest: (request: { head: string; body: Buffer }, socket: net.Socket) => void,
): Promise<{ url: (path: string) => string; close: () => void; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let buf = Buffer.alloc(0);
    socket.on('data', (data) => {
      buf = Buffer.concat([buf, data]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('utf8');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        onRequest({ head, body }, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A recorded response as sent over a fresh connection: de-chunked, so chunked framing is dropped. */
function asSent(part: RecordedPart, subscription: boolean): Buffer {
  const end = part.bytes.indexOf('\r\n\r\n');
  let head = part.bytes.subarray(0, end).toString('latin1');
  head = head.replace(/\r\nTransfer-Encoding: chunked/i, '').replace(/\r\nConnection: keep-alive/i, '');
  head += subscription ? '\r\nConnection: close' : `\r\nContent-Length: ${part.bytes.length - end - 4}`;
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), part.bytes.subarray(end + 4)]);
}

const headerOf = (head: string, name: string) => new RegExp(`\\r\\n${name}: ?([^\\r]*)`, 'i').exec(head)?.[1];

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

describe('our client against braid-text (recorded bytes)', () => {
  it('simpleton-put: sends the recorded PUTs (insert, replace with emoji, insert after emoji) and a second client receives them', async () => {
    const parts = loadTextRecording('simpleton-put.txt');
    const part = (n: number) => parts.find((p) => p.index === n)!;
    const puts: { head: string; body: string }[] = [];
    let subscriptions = 0;
    let watcher: net.Socket | undefined;
    const server = await scriptedServer(({ head, body }, socket) => {
      if (head.startsWith('GET')) {
        subscriptions++;
        // S (our writer) gets part 5; W (a watcher) part 7 and then the recorded stream continuations.
        socket.write(asSent(part(subscriptions === 1 ? 5 : 7), true));
        if (subscriptions === 2) watcher = socket;
        return;
      }
      puts.push({ head, body: body.toString('utf8') });
      const [response, continuation] = [
        [9, 10],
        [12, 13],
        [15, 16],
      ][puts.length - 1];
      socket.write(asSent(part(response), false));
      watcher?.write(part(continuation).bytes);
    });
    cleanup.push(server.close);
    const writer = new TextResource(server.url('/put-demo'), { peer: '4fzzzxjylrx' });
    cleanup.push(() => writer.close());
    await writer.ready;
    expect(writer.text).toBe('hello world');
    const watching = new TextResource(server.url('/put-demo'), { peer: 'zk00000ytu' });
    cleanup.push(() => watching.close());
    await watching.ready;

    writer.edit([{ start: 11, end: 11, content: '!' }]);
    await waitFor(() => puts.length === 1);
    writer.edit([{ start: 6, end: 11, content: '🌍 earth' }]);
    await waitFor(() => puts.length === 2);
    writer.edit([{ start: 14, end: 14, content: '?' }]);
    await waitFor(() => puts.length === 3);

    for (const [i, n] of [8, 11, 14].entries()) {
      const recorded = part(n).bytes.toString('utf8');
      const recordedHead = recorded.slice(0, recorded.indexOf('\r\n\r\n'));
      for (const name of ['version', 'parents', 'content-range', 'merge-type', 'peer'])
        expect(headerOf(puts[i].head, name), `PUT ${i + 1} ${name}`).toBe(headerOf(recordedHead, name));
      expect(puts[i].body).toBe(recorded.slice(recorded.indexOf('\r\n\r\n') + 4));
    }
    await waitFor(() => watching.text === 'hello 🌍 earth!?', 5000, 'the watcher to receive all three');
    expect(watching.currentVersion).toEqual(['4fzzzxjylrx-13']);
    expect(writer.text).toBe('hello 🌍 earth!?');
  });

  it('simpleton-catchup: drops the update that crossed its PUT and applies the catch-up based on its own version', async () => {
    const parts = loadTextRecording('simpleton-catchup.txt');
    const part = (n: number) => parts.find((p) => p.index === n)!;
    let stream: net.Socket | undefined;
    let put: string | undefined;
    const server = await scriptedServer(({ head, body }, socket) => {
      if (head.startsWith('GET')) {
        stream = socket;
        socket.write(asSent(part(4), true)); // pa's subscription: "abc" at s-2
        return;
      }
      put = `${headerOf(head, 'version')} ${headerOf(head, 'parents')} ${headerOf(head, 'content-range')} ${body}`;
      socket.write(asSent(part(11), false));
      stream!.write(part(9).bytes); // pb's edit, based on s-2: must be dropped (we are at pa-0 now)
      setTimeout(() => stream!.write(part(13).bytes), 23); // the catch-up: Parents "pa-0", [4:4] X
    });
    cleanup.push(server.close);
    const pa = new TextResource(server.url('/catchup-demo'), { peer: 'pa' });
    cleanup.push(() => pa.close());
    await pa.ready;
    pa.edit([{ start: 0, end: 0, content: 'Y' }]);
    await waitFor(() => pa.currentVersion.length === 2, 5000, 'the catch-up');
    expect(put).toBe('"pa-0" "s-2" text [0:0] Y');
    expect(pa.text).toBe('YabcX');
    expect(pa.currentVersion).toEqual(['pa-0', 'pb-0']);
  });
});

describe('a minimal simpleton client against braid.text', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('two minimal clients and ours edit one text at once and converge', async () => {
    server = await startServer(() => ({
      options: { onError: () => {} },
      define: (braid) => braid.text('/doc', { initial: 'shared' }),
    }));
    const url = `${server.base}/doc`;
    const minimal = [minimalSimpletonClient(url, 'm1'), minimalSimpletonClient(url, 'm2')];
    cleanup.push(...minimal.map((m) => m.close));
    const ours = new TextResource(url, { peer: 'ours' });
    cleanup.push(() => ours.close());
    await Promise.all([...minimal.map((m) => m.ready), ours.ready]);
    expect(minimal[0].text()).toBe('shared');

    const r = rng(99);
    const typeMinimal = async (client: (typeof minimal)[number], chars: string) => {
      for (const ch of chars) {
        const at = int(r, [...client.text()].length + 1);
        await client.edit(at, at, ch);
        await new Promise((resolve) => setTimeout(resolve, int(r, 15)));
      }
    };
    const typeOurs = async (chars: string) => {
      for (const ch of chars) {
        const at = int(r, [...ours.text].length + 1);
        ours.edit([{ start: at, end: at, content: ch }]);
        await new Promise((resolve) => setTimeout(resolve, int(r, 15)));
      }
    };
    await Promise.all([
      typeMinimal(minimal[0], 'bcfgi😀'),
      typeMinimal(minimal[1], 'BCFGI👍🏽'),
      typeOurs('vwxyz中'),
    ]);
    const head = async () => (await server!.braid.get<string>('/doc')).value;
    await waitFor(
      async () => {
        const text = await head();
        return !ours.pending && ours.text === text && minimal.every((m) => m.text() === text);
      },
      15_000,
      'all three to equal the server',
    );
    const text = await head();
    // Every code point typed is there exactly once (a 👍🏽 typed as two code points may get split by others).
    for (const ch of [...'bcfgi😀BCFGI👍🏽vwxyz中']) expect(text.split(ch).length - 1, ch).toBe(1);
    expect([...text].length).toBe(6 + 6 + 7 + 6);
  });
});

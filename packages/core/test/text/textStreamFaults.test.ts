import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { TextResource } from '../../src/text/index';
import { waitFor } from '../client/harness';

// A simpleton server (as braid-text answers, ../shared/braid-wire/text) whose first subscription stream is cut
// in the middle of an update, or goes silent past its heartbeats: the client opens it again from its version,
// quietly (no error reported, nothing lost), and applies what the next stream brings.

const snapshot = (version: string, text: string) =>
  `HTTP 200 OK\r\nVersion: "${version}"\r\nParents: \r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}\r\n\r\n`;
const splice = (version: string, parents: string, at: number, text: string) =>
  `HTTP 200 OK\r\nVersion: "${version}"\r\nParents: "${parents}"\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Range: text [${at}:${at}]\r\n\r\n${text}\r\n\r\n`;

let server: http.Server | undefined;
let client: TextResource | undefined;
afterEach(async () => {
  client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function serve(first: (res: http.ServerResponse) => void, heartbeats?: string) {
  const subscriptions: (string | undefined)[] = [];
  server = http.createServer((req, res) => {
    subscriptions.push(req.headers.parents as string | undefined);
    const head: Record<string, string> = { 'Merge-Type': 'simpleton', 'Content-Type': 'text/plain' };
    if (heartbeats) head.Heartbeats = heartbeats;
    res.writeHead(209, head);
    if (subscriptions.length === 1) first(res);
    else res.write(splice('s-10', 's-4', 5, ' world')); // from the client's version: what it missed
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`, subscriptions };
}

it('a stream cut in the middle of an update reconnects from its version, without an error', async () => {
  const { url, subscriptions } = await serve((res) => {
    res.write(snapshot('s-4', 'hello'));
    res.end('HTTP 200 OK\r\nVersion: "s-7"\r\nParents: "s-4"\r\nContent-Length: 10\r\n\r\nhal'); // cut
  });
  const errors: unknown[] = [];
  client = new TextResource(url, { peer: 'me' });
  client.onError((error) => errors.push(error));
  await waitFor(() => client!.text === 'hello world', 10_000, 'the update of the second stream');
  expect(subscriptions).toEqual([undefined, '"s-4"']);
  expect(client.error).toBeUndefined();
  expect(errors).toEqual([]);
  expect(client.status).toBe('live');
});

it('a stream silent past its heartbeats is dropped and opened again, without an error', async () => {
  const { url, subscriptions } = await serve((res) => res.write(snapshot('s-4', 'hello')), '1'); // then nothing
  client = new TextResource(url, { peer: 'me', heartbeatSeconds: 1 });
  const errors: unknown[] = [];
  client.onError((error) => errors.push(error));
  await waitFor(() => client!.text === 'hello', 5000, 'the snapshot');
  // 1.2 × 1 s + 3 s without a byte: the client gives up on the stream and subscribes again.
  await waitFor(() => client!.text === 'hello world', 15_000, 'the second stream');
  expect(subscriptions).toEqual([undefined, '"s-4"']);
  expect(errors).toEqual([]);
  expect(client.error).toBeUndefined();
}, 20_000);

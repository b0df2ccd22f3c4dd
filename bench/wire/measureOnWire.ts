import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serializeWrite } from '@braid-live/core/protocol';
import { createBraidServer, memoryStore } from '@braid-live/server';
import { http_server as braidify } from 'braid-http';
import { WebSocketServer } from 'ws';
import { rawRequest } from './rawSocket';

/** What every system sends: version ids, the changed field and its new values (all the same length). */
export const PARENT = 'alice-1233';
export const versionAt = (i: number) => `alice-${1234 + i}`;
export const parentAt = (i: number) => (i === 0 ? PARENT : versionAt(i - 1));
export const FIELD = '.config.thresholds.cpu';
export const valueAt = (i: number) => 90 + (i % 10);

export interface OnWire {
  /** Bytes per update as received on the socket, framing included (averaged over `updates`). */
  bytesPerUpdate: number;
  /** The bytes of one update as received (latin1), for the README. */
  sample: string;
}

const listenLocal = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Counts the bytes of `updates` updates after the subscription's first burst has arrived. */
async function countUpdates(
  port: number,
  request: string,
  firstBurstDone: (text: string) => boolean,
  sendUpdate: (i: number) => Promise<void>,
  updates: number,
): Promise<OnWire> {
  const connection = await rawRequest(port, request);
  await connection.until(() => firstBurstDone(connection.text()));
  await connection.quiet();
  const before = connection.received;
  const textBefore = connection.text().length;
  await sendUpdate(0);
  await connection.quiet();
  const sample = connection.text().slice(textBefore);
  for (let i = 1; i < updates; i++) await sendUpdate(i);
  await connection.quiet();
  const bytes = connection.received - before;
  connection.close();
  return { bytesPerUpdate: bytes / updates, sample };
}

/** A Braid subscription to /doc: counts once the snapshot (the whole document) has arrived. */
function countBraidUpdates(
  port: number,
  doc: unknown,
  sendUpdate: (i: number) => Promise<void>,
  updates: number,
): Promise<OnWire> {
  const docBytes = JSON.stringify(doc).length;
  const request = 'GET /doc HTTP/1.1\r\nHost: 127.0.0.1\r\nSubscribe: true\r\n\r\n';
  return countUpdates(port, request, (text) => text.length > docBytes, sendUpdate, updates);
}

/** braid-live's server: PUTs of one changed field, as its subscribers receive them. */
export async function braidLiveOnWire(doc: unknown, updates: number): Promise<OnWire> {
  const braid = createBraidServer({ store: memoryStore() });
  braid.resource('/doc', { initial: doc, initialVersion: PARENT });
  const server = http.createServer(braid.handler);
  const port = await listenLocal(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const put = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const { headers, body } = serializeWrite({
        version: [versionAt(i)],
        parents: [parentAt(i)],
        patches: [{ range: FIELD, content: String(valueAt(i)) }],
      });
      const req = http.request(
        {
          method: 'PUT',
          host: '127.0.0.1',
          port,
          path: '/doc',
          agent,
          headers: { ...headers, 'Content-Length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    return await countBraidUpdates(port, doc, put, updates);
  } finally {
    agent.destroy();
    await close(server);
    await braid.close();
  }
}

/** braid-http 1.3.80: braidify + sendUpdate of the same patch to a subscription. */
export async function braidHttpOnWire(doc: unknown, updates: number): Promise<OnWire> {
  const subscriptions = new Set<ServerResponse & Record<string, any>>();
  const server = http.createServer(
    braidify((_req: IncomingMessage & Record<string, any>, res: ServerResponse & Record<string, any>) => {
      res.startSubscription({ onClose: () => subscriptions.delete(res) });
      res.sendUpdate({ version: [PARENT], body: JSON.stringify(doc) });
      subscriptions.add(res);
    }),
  );
  const port = await listenLocal(server);
  const send = async (i: number) => {
    for (const res of subscriptions) {
      res.sendUpdate({
        version: [versionAt(i)],
        parents: [parentAt(i)],
        patches: [{ unit: 'json', range: FIELD, content: String(valueAt(i)) }],
      });
    }
  };
  try {
    return await countBraidUpdates(port, doc, send, updates);
  } finally {
    await close(server);
  }
}

/** The ws message for update i: the same information as the patch update, as JSON. */
export function wsMessage(i: number): string {
  return JSON.stringify({
    version: versionAt(i),
    parents: [parentAt(i)],
    patches: [{ range: FIELD, content: valueAt(i) }],
  });
}

/** ws: the JSON message in a WebSocket text frame (server to client: unmasked). */
export async function wsOnWire(updates: number): Promise<OnWire> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const port = await listenLocal(server);
  const key = crypto.randomBytes(16).toString('base64');
  const send = async (i: number) => {
    for (const client of wss.clients) client.send(wsMessage(i));
  };
  try {
    return await countUpdates(
      port,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      (text) => text.includes('\r\n\r\n') && wss.clients.size > 0,
      send,
      updates,
    );
  } finally {
    wss.close();
    await close(server);
  }
}

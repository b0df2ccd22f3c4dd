import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { FEED_PATH, WRITE_RANGE } from '../config';
import type { BaselineMessage, WriteContent } from '../payload';
import { BaselineDoc } from './baselineDoc';
import { listen } from './listen';
import type { StartServer } from './types';

/**
 * The `ws` broadcast baseline, written the way the ws README broadcasts: subscribers connect to /feed, the
 * writer to /write; each write is parsed, applied, serialized once and sent to every open client, then acked.
 */
export const startServer: StartServer = async () => {
  const state = new BaselineDoc();
  const subscribers = new Set<WebSocket>();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });

  wss.on('connection', (socket, req) => {
    if (req.url === FEED_PATH) {
      subscribers.add(socket);
      socket.on('close', () => subscribers.delete(socket));
      socket.send(JSON.stringify({ hello: true, version: state.version }));
      return;
    }
    socket.on('message', (data) => {
      const content = JSON.parse(String(data)) as WriteContent;
      const parent = state.apply(content.seq, content);
      const message: BaselineMessage = {
        version: state.version,
        parents: [parent],
        range: WRITE_RANGE,
        content,
      };
      const bytes = Buffer.from(JSON.stringify(message));
      for (const subscriber of subscribers) {
        if (subscriber.readyState === WebSocket.OPEN) subscriber.send(bytes, { binary: false });
      }
      socket.send(`{"ack":${content.seq}}`);
    });
  });
  return { port: await listen(server) };
};

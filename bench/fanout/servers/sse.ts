import http, { type ServerResponse } from 'node:http';
import { FEED_PATH, WRITE_RANGE } from '../config';
import type { BaselineMessage, WriteContent } from '../payload';
import { BaselineDoc } from './baselineDoc';
import { listen } from './listen';
import type { StartServer } from './types';

/**
 * Server-Sent Events on plain node:http: GET /feed is a text/event-stream (chunked, as node sends a response
 * without Content-Length); POST /write is parsed, applied, serialized once as one `data:` event, written to
 * every stream, and answered 200.
 */
export const startServer: StartServer = async () => {
  const state = new BaselineDoc();
  const streams = new Set<ServerResponse>();

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === FEED_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(`event: hello\ndata: ${JSON.stringify({ version: state.version })}\n\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const content = JSON.parse(Buffer.concat(chunks).toString()) as WriteContent;
        const parent = state.apply(content.seq, content);
        const message: BaselineMessage = {
          version: state.version,
          parents: [parent],
          range: WRITE_RANGE,
          content,
        };
        const event = Buffer.from(`data: ${JSON.stringify(message)}\n\n`);
        for (const stream of streams) stream.write(event);
        res.writeHead(200, { 'Content-Length': 0 }).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  return { port: await listen(server) };
};

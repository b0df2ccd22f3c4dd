import net, { type Socket } from 'node:net';
import { WRITE_RANGE } from '../config';
import type { BaselineMessage, WriteContent } from '../payload';
import { BaselineDoc } from './baselineDoc';
import { listen } from './listen';
import type { StartServer } from './types';

/**
 * The limit: raw TCP with newline-delimited JSON, no HTTP at all. Subscribers connect to one port (and get a
 * hello line), the writer to another; each write line is parsed, applied, serialized once and written to
 * every subscriber socket, then acked with a line.
 */
export const startServer: StartServer = async () => {
  const state = new BaselineDoc();
  const subscribers = new Set<Socket>();

  const feed = net.createServer((socket) => {
    socket.setNoDelay(true);
    subscribers.add(socket);
    socket.on('close', () => subscribers.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(`${JSON.stringify({ hello: true, version: state.version })}\n`);
  });

  const writes = net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      pending += text;
      let end = pending.indexOf('\n');
      while (end !== -1) {
        const content = JSON.parse(pending.slice(0, end)) as WriteContent;
        pending = pending.slice(end + 1);
        const parent = state.apply(content.seq, content);
        const message: BaselineMessage = {
          version: state.version,
          parents: [parent],
          range: WRITE_RANGE,
          content,
        };
        const line = Buffer.from(`${JSON.stringify(message)}\n`);
        for (const subscriber of subscribers) subscriber.write(line);
        socket.write(`${content.seq}\n`);
        end = pending.indexOf('\n');
      }
    });
  });
  return { port: await listen(feed), writerPort: await listen(writes) };
};

import net from 'node:net';
import { nowMicros } from '../../lib/clock';
import { HOST } from '../config';
import { writeContent } from '../payload';
import type { ConnectWriter } from './types';

/** The raw TCP writer: one JSON line per write on the writer port; the server acks each with a line. */
export const connectWriter: ConnectWriter = async (_port, writerPort) => {
  const socket = net.connect({ host: HOST, port: writerPort! });
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let waiting: (() => void) | undefined;
  socket.setEncoding('utf8');
  socket.on('data', () => {
    const done = waiting;
    waiting = undefined;
    done?.();
  });
  return {
    write(seq) {
      return new Promise<void>((resolve) => {
        waiting = resolve;
        socket.write(`${JSON.stringify(writeContent(seq, nowMicros()))}\n`);
      });
    },
    close: () => socket.destroy(),
  };
};

import { WebSocket } from 'ws';
import { nowMicros } from '../../lib/clock';
import { HOST } from '../config';
import { writeContent } from '../payload';
import type { ConnectWriter } from './types';

/** The ws baseline's writer: one socket to /write; each message is acked by the server after its broadcast. */
export const connectWriter: ConnectWriter = async (port) => {
  const socket = new WebSocket(`ws://${HOST}:${port}/write`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let waiting: (() => void) | undefined;
  socket.on('message', () => {
    const done = waiting;
    waiting = undefined;
    done?.();
  });
  return {
    write(seq) {
      return new Promise<void>((resolve) => {
        waiting = resolve;
        socket.send(JSON.stringify(writeContent(seq, nowMicros())));
      });
    },
    close: () => socket.terminate(),
  };
};

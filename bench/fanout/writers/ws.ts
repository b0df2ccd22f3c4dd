import { WebSocket } from 'ws';
import { nowMicros } from '../../lib/clock';
import { HOST } from '../config';
import { writeContent } from '../payload';
import { awaitAcks } from './awaitAcks';
import type { ConnectWriter } from './types';

/** The ws baseline's writer: one socket to /write; each message is acked by the server after its broadcast. */
export const connectWriter: ConnectWriter = async (port) => {
  const socket = new WebSocket(`ws://${HOST}:${port}/write`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acked = awaitAcks((onAck) => socket.on('message', onAck));
  return {
    write: (seq) => acked(() => socket.send(JSON.stringify(writeContent(seq, nowMicros())))),
    close: () => socket.terminate(),
  };
};
